"""Reading the 届出基準 criteria in the notes: test results, clinical findings, clinical context.

- **lab**: in one sentence, a target of the criterion (結核菌, O157, 麻疹 …), a method it accepts
  (PCR, 培養, IgM …; the vocabulary's ``methods``), the required specimen if any (髄液, 血液), and the
  result read after the target within its clause: 陽性/検出 (met), 陰性/検出せず (not met), 提出中/予定
  (pending: not met). A test the extractor marked as scheduled or not done is not met.
- **clinical**: symptom labels found in extracted disease/symptom mentions that are positive and
  current (not negated, not past or family history); at least ``min`` of them.
- **context**: a context word (入院, 死亡 …) in a clause that does not negate it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from karte.reporting.diseases.table import Criterion, Disease
from karte.reporting.notify.findings import PAST_SECTIONS, MentionLike, Note
from karte.reporting.notify.vocab import Vocab, vocab
from karte.text import NormalizedText, normalize

_CLAUSE_END = re.compile(r"[。、,，;；\n]|であったが|だったが|ものの|けれども")
_ASCII = re.compile(r"^[A-Za-z0-9\-/ .+]+$")
Evidence = tuple[Note, int, int]


@dataclass
class LabReading:
    polarity: str | None  # positive | negative | pending | None
    spans: list[Evidence] = field(default_factory=list)
    value: str = ""


@dataclass
class Finding:
    criterion: Criterion
    met: bool
    spans: list[Evidence] = field(default_factory=list)
    rationale: str = ""
    value: str = ""


@lru_cache(maxsize=4096)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for t in sorted({normalize(t).text for t in terms}, key=len, reverse=True):
        esc = re.escape(t)
        parts.append(rf"(?<![A-Za-z0-9]){esc}(?![A-Za-z0-9])" if _ASCII.match(t) else esc)
    return re.compile("|".join(parts) or "(?!)", re.IGNORECASE)


def _first(patterns: list[tuple[str, re.Pattern[str]]], text: str) -> tuple[str, re.Match[str]] | None:
    best: tuple[str, re.Match[str]] | None = None
    for name, pat in patterns:
        m = pat.search(text)
        if m and (
            best is None
            or m.start() < best[1].start()
            or (m.start() == best[1].start() and m.end() > best[1].end())
        ):
            best = (name, m)
    return best


class CriteriaReader:
    def __init__(self, v: Vocab | None = None) -> None:
        self.v = v or vocab()
        self._polarity = [
            ("negative", self.v.negative),
            ("pending", self.v.pending),
            ("positive", self.v.positive),
        ]
        self._sentences: dict[int, list[tuple[int, NormalizedText]]] = {}

    def _normalized_sentences(self, note: Note) -> list[tuple[int, NormalizedText]]:
        key = id(note)
        if key not in self._sentences:
            self._sentences[key] = [(s.start, normalize(s.text)) for s in note.sentences]
        return self._sentences[key]

    # -- lab --------------------------------------------------------------------------------------
    def lab(
        self, notes: list[Note], method: str | None, targets: list[str], specimens: list[str] | None = None
    ) -> LabReading:
        target_re = _terms_pattern(tuple(targets))
        method_re = self.v.methods.get(method or "") if method else None
        specimen_re = _terms_pattern(tuple(specimens)) if specimens else None
        best = LabReading(None)
        for note in notes:
            for offset, snt in self._normalized_sentences(note):
                text = snt.text
                if not target_re.search(text):
                    continue
                if method_re is not None and not method_re.search(text):
                    continue
                if specimen_re is not None and not specimen_re.search(text):
                    continue
                for m in target_re.finditer(text):
                    end_m = _CLAUSE_END.search(text, m.end())
                    window_end = end_m.start() if end_m else len(text)
                    window = text[m.end() : window_end]
                    found = _first(self._polarity, window)
                    if found is None:
                        continue
                    polarity, pm = found
                    o_s, _ = snt.to_original(m.start(), m.end())
                    _, o_e = snt.to_original(m.end() + pm.start(), m.end() + pm.end())
                    start, end = offset + o_s, offset + o_e
                    if polarity == "positive" and self._test_not_done(note, start, end):
                        polarity = "pending"
                    reading = LabReading(polarity, [(note, start, end)], note.text[start:end])
                    if polarity == "positive":
                        return reading
                    if best.polarity is None or (best.polarity == "pending" and polarity == "negative"):
                        best = reading
        return best

    @staticmethod
    def _test_not_done(note: Note, start: int, end: int) -> bool:
        tests = note.mentions_in(start, end, ("test", "test_key"))
        return any(t.state in ("scheduled", "negated") for t in tests)

    # -- clinical ---------------------------------------------------------------------------------
    def symptoms(self, notes: list[Note], labels: list[str]) -> dict[str, list[Evidence]]:
        """Symptom label → spans of current, positive extracted mentions naming it."""
        found: dict[str, list[Evidence]] = {}
        for note in notes:
            for m in [*note.mentions, *self._unread_sentences(note, labels)]:
                if m.type not in ("disease", "test_value"):
                    continue
                if m.type == "disease" and (
                    m.certainty != "positive"
                    or m.historical
                    or m.family
                    or note.section_at(m.start) in PAST_SECTIONS
                ):
                    continue
                text = normalize(note.text[m.start : m.end]).text
                for label in labels:
                    pat = self.v.symptoms.get(label)
                    if pat is None or (m.type == "test_value" and label != "発熱"):
                        continue
                    if pat.search(text):
                        found.setdefault(label, []).append((note, m.start, m.end))
        return found

    def _unread_sentences(self, note: Note, labels: list[str]) -> list[MentionLike]:
        """Mentions of sentences, extracted on their own, where a symptom word is written but the
        note-level extraction tagged nothing over it (the sequence model reads a sentence differently
        with and without its neighbours)."""
        out: list[MentionLike] = []
        pats = [self.v.symptoms[label] for label in labels if label in self.v.symptoms]
        for offset, snt in self._normalized_sentences(note):
            for pat in pats:
                m = pat.search(snt.text)
                if m is None:
                    continue
                s, e = snt.to_original(m.start(), m.end())
                if not note.mentions_in(offset + s, offset + e, ("disease", "test_value")):
                    sentence = note.sentence_at(offset + s)
                    if sentence is not None:
                        out.extend(note.sentence_mentions(sentence))
                    break
        return out

    # -- context ----------------------------------------------------------------------------------
    def context(self, notes: list[Note], keys: list[str]) -> list[Evidence]:
        spans: list[Evidence] = []
        for note in notes:
            for offset, snt in self._normalized_sentences(note):
                for key in keys:
                    pat = self.v.contexts.get(key)
                    if pat is None:
                        continue
                    for m in pat.finditer(snt.text):
                        end_m = _CLAUSE_END.search(snt.text, m.end())
                        after = snt.text[m.end() : end_m.start() if end_m else len(snt.text)]
                        if re.match(
                            r"^(?:せず|しない|しなかった|なし|無し|の必要はな|は不要|予定|を勧め|を検討)",
                            after,
                        ):
                            continue
                        o_s, o_e = snt.to_original(m.start(), m.end())
                        spans.append((note, offset + o_s, offset + o_e))
        return spans

    # -- a disease ----------------------------------------------------------------------------------
    def evaluate(self, disease: Disease, notes: list[Note]) -> dict[str, Finding]:
        out: dict[str, Finding] = {}
        for c in disease.criteria:
            if c.kind == "lab":
                r = self.lab(notes, c.method, c.targets, c.specimens)
                why = {"positive": "陽性", "negative": "陰性", "pending": "結果未着・予定", None: "記載なし"}[
                    r.polarity
                ]
                out[c.id] = Finding(c, r.polarity == "positive", r.spans, f"{c.title()}: {why}", r.value)
            elif c.kind == "clinical":
                found = self.symptoms(notes, c.symptoms)
                spans = [s for label in found for s in found[label][:1]]
                met = len(found) >= c.min
                out[c.id] = Finding(
                    c, met, spans, f"{c.title()}: {'・'.join(found) or 'なし'} ({len(found)}/{c.min})"
                )
            else:
                spans = self.context(notes, c.context)
                out[c.id] = Finding(c, bool(spans), spans[:1], f"{c.title()}: {'あり' if spans else 'なし'}")
        return out
