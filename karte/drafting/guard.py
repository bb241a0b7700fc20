"""The faithfulness guard: every disease, drug, dose, value, lab result and date of a draft sentence
must be found in the source spans that sentence cites.

The guard reads the sentence and the cited texts with the same reader (:mod:`karte.drafting.mentions`)
and compares what they state: a drug must be named in a citation, a dose or value (number and unit)
and a lab result (item and number) must appear there, a date must match one written there, and a
disease must be named there with the same certainty (a disease the source negates cannot be stated
as present). It does not trust the fact ids a sentence claims: only the cited source text counts.
Sentences without any citation are unsupported as a whole. What is unsupported is flagged (kept,
marked, with a warning) or removed, as asked.

A name the lexicon does not know cannot be compared that way, so in sentences the model wrote every
katakana word of three or more letters (drug, device and procedure names are written in katakana)
must also occur in the cited text: a drug missing from the lexicon is then still caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from karte.drafting.lexicon import Lexicon
from karte.drafting.mentions import Mention, certainty_at, find_mentions, normalized
from karte.drafting.models import Citation, DraftSection, DraftSentence, Issue, SourceDocument
from karte.drafting.values import date_keys_match

OnUnsupported = Literal["flag", "remove"]
_AMOUNT_KINDS = ("dose", "value", "frequency")
_KIND_JA = {
    "disease": "病名",
    "drug": "薬剤",
    "lab": "検査値",
    "dose": "用量",
    "value": "数値",
    "frequency": "用法",
    "date": "日付",
    "term": "用語",
}
_KATAKANA_WORD = re.compile(r"[ァ-ヺ][ァ-ヺー・]{2,}")


@dataclass
class _Cited:
    norm: str
    mentions: list[Mention]


@dataclass
class GuardStats:
    checked: int = 0  # mentions checked
    unsupported: int = 0  # mentions (or uncited sentences) found unsupported
    sentences: int = 0
    flagged_sentences: int = 0


class Guard:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.stats = GuardStats()
        self._cache: dict[tuple[str, int, int], _Cited] = {}

    def _cited(self, citation: Citation, sources: Mapping[str, SourceDocument]) -> _Cited | None:
        key = citation.key()
        if key not in self._cache:
            source = sources.get(citation.document)
            if source is None or citation.end > len(source.text):
                return None
            text = source.text[citation.start : citation.end]
            self._cache[key] = _Cited(normalized(text), find_mentions(text, self.lexicon))
        return self._cache[key]

    def check(self, sentence: DraftSentence, sources: Mapping[str, SourceDocument]) -> DraftSentence:
        """The sentence with its issues filled in and ``supported`` set."""
        if sentence.placeholder:
            return sentence.model_copy(update={"issues": [], "supported": True})
        self.stats.sentences += 1
        cited = [c for c in (self._cited(x, sources) for x in sentence.citations) if c is not None]
        issues: list[Issue] = []
        if not cited:
            issues.append(
                Issue(
                    kind="uncited",
                    text=sentence.text,
                    start=0,
                    end=len(sentence.text),
                    reason="出典の記載がありません (no citation)",
                )
            )
        mentions = [
            m
            for m in find_mentions(sentence.text, self.lexicon, [b for span in sentence.labels for b in span])
            if not any(a <= m.start and m.end <= b for a, b in sentence.labels)
        ]
        self.stats.checked += len(mentions)
        if cited:
            for m in mentions:
                reason = _unsupported(m, cited)
                if reason is not None:
                    kind = "value" if m.kind in ("lab", "frequency") else m.kind
                    issues.append(
                        Issue(
                            kind=kind,
                            text=sentence.text[m.start : m.end],
                            start=m.start,
                            end=m.end,
                            reason=reason,
                        )
                    )
            if sentence.source == "llm":
                issues += _unknown_terms(sentence.text, mentions, cited)
        self.stats.unsupported += len(issues)
        if issues:
            self.stats.flagged_sentences += 1
        return sentence.model_copy(update={"issues": issues, "supported": not issues})

    def check_section(
        self,
        section: DraftSection,
        sources: Mapping[str, SourceDocument],
        on_unsupported: OnUnsupported,
        warnings: list[str],
        empty_text: str,
    ) -> DraftSection:
        from karte.drafting.compose import placeholder

        checked = [self.check(s, sources) for s in section.sentences]
        bad = [s for s in checked if not s.supported]
        if bad and on_unsupported == "remove":
            checked = [s for s in checked if s.supported] or [placeholder(empty_text)]
            warnings.append(
                f"{section.title}: 出典で確認できない記述を含む文を {len(bad)} 件削除しました "
                f"(removed {len(bad)} unsupported sentence(s))"
            )
        elif bad:
            words = "、".join(dict.fromkeys(i.text for s in bad for i in s.issues))[:120]
            warnings.append(
                f"{section.title}: 出典で確認できない記述があります（{words}）。要確認 "
                f"({sum(len(s.issues) for s in bad)} unsupported item(s) flagged)"
            )
        return with_sentences(section, checked)


def with_sentences(section: DraftSection, sentences: list[DraftSentence]) -> DraftSection:
    """``section`` rebuilt from ``sentences``: its text, the union of their citations, and whether
    no sentence backed by a source is left (``missing``)."""
    cites: list[Citation] = []
    for s in sentences:
        cites.extend(c for c in s.citations if c not in cites)
    backed = [s for s in sentences if not s.placeholder and s.citations and s.supported]
    return section.model_copy(
        update={
            "sentences": sentences,
            "text": "\n".join(s.text for s in sentences),
            "citations": cites,
            "missing": not backed,
        }
    )


def _unknown_terms(text: str, mentions: list[Mention], cited: list[_Cited]) -> list[Issue]:
    """Katakana words of a model-written sentence that no mention covers and no cited text contains."""
    issues = []
    for match in _KATAKANA_WORD.finditer(text):
        start, end = match.span()
        if any(m.start <= start and end <= m.end for m in mentions):
            continue  # a known name: checked above
        word = normalized(match.group())
        if not any(word in c.norm for c in cited):
            issues.append(
                Issue(
                    kind="term",
                    text=match.group(),
                    start=start,
                    end=end,
                    reason=f"用語「{match.group()}」は出典にありません (term not in the cited text)",
                )
            )
    return issues


def _unsupported(m: Mention, cited: Iterable[_Cited]) -> str | None:
    """Why ``m`` is not supported by the cited texts, or None when it is."""
    label = _KIND_JA.get(m.kind, m.kind)
    cited = list(cited)
    if m.kind == "disease":
        certainties = []
        for c in cited:
            for x in c.mentions:
                if x.kind == "disease" and (x.key == m.key or m.surface in x.surface):
                    certainties.append(x.certainty)
            pos = c.norm.find(m.surface)
            while pos >= 0:
                certainties.append(certainty_at(c.norm, pos, pos + len(m.surface)))
                pos = c.norm.find(m.surface, pos + 1)
        if not certainties:
            return f"{label}「{m.surface}」は出典にありません (disease not in the cited text)"
        if m.certainty not in certainties:
            return (
                f"{label}「{m.surface}」の確信度が出典と異なります: "
                f"出典 {'/'.join(sorted(set(map(str, certainties))))}、"
                f"下書き {m.certainty} (certainty differs from the source)"
            )
        return None
    if m.kind == "drug":
        ok = any(
            any(x.kind == "drug" and x.key == m.key for x in c.mentions) or m.surface in c.norm for c in cited
        )
        return None if ok else f"{label}「{m.surface}」は出典にありません (drug not in the cited text)"
    if m.kind == "date":
        ok = any(any(x.kind == "date" and date_keys_match(x.key, m.key) for x in c.mentions) for c in cited)
        return None if ok else f"{label}「{m.surface}」は出典にありません (date not in the cited text)"
    if m.kind == "lab":
        ok = any(any(x.kind == "lab" and x.key == m.key for x in c.mentions) for c in cited)
        return None if ok else f"{label}「{m.surface}」は出典にありません (result not in the cited text)"
    if m.kind in _AMOUNT_KINDS:
        ok = any(any(x.kind in _AMOUNT_KINDS and x.key == m.key for x in c.mentions) for c in cited)
        return None if ok else f"{label}「{m.surface}」は出典にありません ({m.kind} not in the cited text)"
    return None
