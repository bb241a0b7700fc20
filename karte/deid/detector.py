"""Find personal information in a note: run the recognizers on the normalised text, drop the known
false positives, resolve overlaps, extend names to their other mentions, map spans to the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from karte.deid.charclass import KANJI, KATAKANA, is_hiragana, is_kanji, is_katakana
from karte.deid.policy import DeidPolicy
from karte.deid.registry import Registry, load_registry
from karte.deid.types import NAME_TYPES, Candidate, Explanation, PiiSpan
from karte.text import normalize

_FP_CHECKED = NAME_TYPES | {"FACILITY", "ADDRESS"}
_SPACED_GIVEN = re.compile(rf" ([{KANJI}]{{1,3}})(?![{KANJI}])")
_READING = re.compile(
    rf" ?[(（] ?([{KATAKANA}ー]{{2,12}}(?:[ ・][{KATAKANA}ー]{{2,12}})?"
    rf"|[ぁ-んー]{{2,12}}(?: [ぁ-んー]{{2,12}})?) ?[)）]"
)
_TYPE_PRIORITY = {"PATIENT_NAME": 0, "MYNUMBER": 1, "INSURANCE_NO": 2, "ID": 3}


@dataclass
class KnownIdentifiers:
    """What the record already tells about the patient: names (kanji, kana) and identifiers."""

    patient_names: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def name_forms(self) -> set[str]:
        forms: set[str] = set()
        for raw in self.patient_names:
            name = normalize(raw).text.strip()
            if not name:
                continue
            parts = [p for p in name.replace("・", " ").split() if p]
            forms.update({name, "".join(parts), " ".join(parts)})
            forms.update(p for p in parts if len(p) >= 2)
        return {f for f in forms if len(f) >= 2}


@dataclass
class Detection:
    """A finding in both coordinate systems (the normalised one is used by the operators)."""

    span: PiiSpan
    candidate: Candidate


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class Detector:
    def __init__(self, registry: Registry | None = None, policy: DeidPolicy | None = None) -> None:
        self.registry = registry or load_registry("ja")
        self.policy = policy or DeidPolicy()
        self.threshold = (
            self.policy.threshold if self.policy.threshold is not None else self.registry.threshold
        )
        vocab = self.registry.names.vocab
        self._suffixes = tuple(sorted((h.replace("\\", "") for h in vocab.honorifics), key=len, reverse=True))

    # ------------------------------------------------------------------ public
    def detect(self, text: str, known: KnownIdentifiers | None = None) -> list[PiiSpan]:
        return [d.span for d in self.detect_full(text, known)]

    def detect_full(self, text: str, known: KnownIdentifiers | None = None) -> list[Detection]:
        nt = normalize(text)
        chosen = self.candidates(nt.text, known)
        out = []
        for c in chosen:
            start, end = nt.to_original(c.start, c.end)
            explanation = Explanation(
                recognizer=c.recognizer,
                pattern=c.pattern,
                source=c.source,
                context=c.context,
                score=round(c.score, 3),
                note=c.note,
            )
            span = PiiSpan(
                start=start,
                end=end,
                type=c.type,
                text=text[start:end],
                score=round(c.score, 3),
                explanation=explanation,
            )
            out.append(Detection(span, c))
        return out

    def candidates(self, text: str, known: KnownIdentifiers | None = None) -> list[Candidate]:
        """Resolved findings on normalised ``text`` (offsets into ``text``), sorted by start."""
        raw = self.raw_candidates(text, known)
        kept = [c for c in raw if c.score >= self.threshold and self._keep(text, c)]
        chosen = self._resolve(_drop_contained_names(kept))
        _header_patients(text, chosen)
        chosen = self._propagate(text, chosen)
        chosen = self._readings(text, chosen)
        if known is not None:
            self._mark_patient(chosen, known)
        return sorted(chosen, key=lambda c: c.start)

    def raw_candidates(self, text: str, known: KnownIdentifiers | None = None) -> list[Candidate]:
        """Every recognizer's findings on normalised ``text``, before threshold and overlap resolution."""
        reg = self.registry
        raw: list[Candidate] = []
        for rec in reg.patterns:
            raw.extend(rec.find(text, self.policy))
        raw.extend(reg.address.find(text))
        raw.extend(reg.facility.find(text))
        raw.extend(reg.names.find(text))
        if known is not None:
            raw.extend(self._known(text, known))
        return raw

    # ------------------------------------------------------------------ steps
    def _keep(self, text: str, c: Candidate) -> bool:
        if c.type == "DATE" and not self.policy.bare_years and "月" not in text[c.start : c.end]:
            from karte.deid.dates import parse_date

            parsed = parse_date(text[c.start : c.end])
            if parsed is not None and parsed.month is None:
                return False
        if c.type in _FP_CHECKED and c.source != "known":
            lo, hi = max(0, c.start - 16), c.end + 16
            for s, e, _term in self.registry.false_positives.spans(text[lo:hi]):
                if _overlaps((s + lo, e + lo), (c.start, c.end)):
                    return False
        return True

    @staticmethod
    def _resolve(cands: Iterable[Candidate]) -> list[Candidate]:
        order = sorted(
            cands, key=lambda c: (-round(c.score, 3), -c.length, _TYPE_PRIORITY.get(c.type, 9), c.start)
        )
        chosen: list[Candidate] = []
        for c in order:
            if all(not _overlaps((c.start, c.end), (o.start, o.end)) for o in chosen):
                chosen.append(c)
        return chosen

    def _known(self, text: str, known: KnownIdentifiers) -> Iterable[Candidate]:
        for form in sorted(known.name_forms(), key=len, reverse=True):
            for start in _find_all(text, form):
                if self._boundary_ok(text, start, start + len(form)):
                    sur, given = self.registry.names.split(form)
                    yield Candidate(
                        start,
                        start + len(form),
                        "PATIENT_NAME",
                        0.99,
                        "known_patient",
                        "record_name",
                        "known",
                        surname=sur,
                        given=given,
                    )
        for ident in known.ids:
            ident = normalize(ident).text.strip()
            if len(ident) < 3:
                continue
            for start in _find_all(text, ident):
                end = start + len(ident)
                before = text[start - 1 : start]
                after = text[end : end + 1]
                if not (before.isalnum() and before.isascii()) and not (after.isalnum() and after.isascii()):
                    yield Candidate(start, end, "ID", 0.99, "known_patient", "record_identifier", "known")

    def _boundary_ok(self, text: str, start: int, end: int) -> bool:
        before = text[start - 1] if start > 0 else ""
        first, last = text[start], text[end - 1]
        for same in (is_kanji, is_katakana):
            if same(first) and same(before):
                return False
        if first.isascii() and first.isalpha() and before.isascii() and before.isalpha():
            return False
        rest = text[end : end + 8]
        after = rest[:1]
        if (is_kanji(last) and is_kanji(after)) or (is_katakana(last) and is_katakana(after)):
            return rest.startswith(self._suffixes)
        if is_hiragana(last) and is_hiragana(after):
            return False
        return not (last.isascii() and last.isalpha() and after.isascii() and after.isalpha())

    def _propagate(self, text: str, chosen: list[Candidate]) -> list[Candidate]:
        """Other mentions of a found name (山田太郎様 … later 山田さん, or plain 山田) get the same type."""
        forms: dict[str, Candidate] = {}
        for c in sorted(chosen, key=lambda c: -c.score):
            if c.type not in NAME_TYPES:
                continue
            whole = text[c.start : c.end]
            for form in (whole, whole.replace(" ", ""), c.surname):
                if form and len(form) >= 2 and form not in forms:
                    forms[form] = c
        if not forms:
            return chosen
        taken = [(c.start, c.end) for c in chosen]
        added: list[Candidate] = []
        for form in sorted(forms, key=len, reverse=True):
            src = forms[form]
            for start in _find_all(text, form):
                span = (start, start + len(form))
                if any(_overlaps(span, t) for t in taken) or not self._boundary_ok(text, *span):
                    continue
                type_, end, given = src.type, span[1], (src.given if form != src.surname else None)
                if form == src.surname:
                    # 山田 太郎 … later 山田 花子: the same surname with another given name is another person.
                    g = _SPACED_GIVEN.match(text, end)
                    if g and g.group(1) != src.given:
                        type_, end, given = "PERSON_NAME", g.end(1), g.group(1)
                        if any(_overlaps((start, end), t) for t in taken):
                            continue
                cand = Candidate(
                    start,
                    end,
                    type_,
                    0.75,
                    "propagation",
                    src.pattern,
                    src.source,
                    note=f"another mention of a name found at {src.start}",
                    surname=src.surname,
                    given=given,
                )
                if not self._keep(text, cand):
                    continue
                added.append(cand)
                taken.append((start, end))
        return chosen + added

    def _readings(self, text: str, chosen: list[Candidate]) -> list[Candidate]:
        """A reading in brackets right after a name (山田 太郎（ヤマダ タロウ）) is the same name."""
        taken = [(c.start, c.end) for c in chosen]
        added = []
        for c in chosen:
            if c.type not in NAME_TYPES:
                continue
            m = _READING.match(text, c.end)
            if m is None:
                continue
            span = m.span(1)
            same = [o for o in chosen if (o.start, o.end) == span and o.type in NAME_TYPES]
            if not same:  # ヤマグチ ヨシオ（山口 義男）: another name in the brackets, the same person
                inner = _BRACKETED.match(text, c.end)
                if inner:
                    same = [o for o in chosen if (o.start, o.end) == inner.span(1) and o.type in NAME_TYPES]
            if same:  # found on its own (katakana name list): it is this person's reading
                same[0].type = c.type
                continue
            if any(_overlaps(span, t) for t in taken):
                continue
            added.append(
                Candidate(
                    span[0],
                    span[1],
                    c.type,
                    0.8,
                    "reading",
                    "reading_in_brackets",
                    c.source,
                    note=f"reading of the name at {c.start}",
                )
            )
            taken.append(span)
        return chosen + added

    def _mark_patient(self, chosen: Sequence[Candidate], known: KnownIdentifiers) -> None:
        forms = known.name_forms()
        for c in chosen:
            if c.type == "PERSON_NAME" and (c.surname in forms or (c.given and c.given in forms)):
                c.type = "PATIENT_NAME"
                c.note = (c.note + "; " if c.note else "") + "matches the patient's name in the record"


_BRACKETED = re.compile(r" ?[(（] ?([^()（）\n]{2,20}?) ?[)）]")
_DEMOGRAPHIC_CUES = ("歳", "男性", "女性", "生年月日", "ID", "患者", "性別", "カルテ")
_STAFF_CUES = ("主治医", "医師", "先生", "Dr", "看護師", "Ns", "担当", "記載", "読影", "技師", "依頼", "紹介")


def _header_patients(text: str, chosen: list[Candidate]) -> None:
    """A name found by the dictionary on a line with the patient's age, sex or ID (a chart header,
    ``竹内 美穂　29歳``) and no staff word is the patient."""
    for c in chosen:
        if c.type != "PERSON_NAME" or not c.pattern.startswith("dictionary"):
            continue
        line_start = text.rfind("\n", 0, c.start) + 1
        line_end = text.find("\n", c.end)
        line = text[line_start : line_end if line_end != -1 else len(text)]
        if any(w in line for w in _DEMOGRAPHIC_CUES) and not any(w in line for w in _STAFF_CUES):
            c.type = "PATIENT_NAME"
            c.note = (c.note + "; " if c.note else "") + "on a line with the patient's age, sex or ID"


def _drop_contained_names(cands: list[Candidate]) -> list[Candidate]:
    """Prefer 松田 恵子 (honorific) to 松田 (label) when both were found: drop names inside longer ones."""
    names = [c for c in cands if c.type in NAME_TYPES]
    if len(names) < 2:
        return cands
    inner = {
        id(a)
        for a in names
        for b in names
        if b is not a and b.start <= a.start and a.end <= b.end and b.length > a.length
    }
    return [c for c in cands if id(c) not in inner]


def _find_all(text: str, needle: str) -> Iterable[int]:
    start = text.find(needle)
    while start != -1:
        yield start
        start = text.find(needle, start + 1)
