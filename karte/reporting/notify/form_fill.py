"""Filling the 発生届 fields from the notes and the patient record, each value with its evidence.

A field the notes do not support is left empty and listed in ``missing`` with the reason; the
physician-only items (報告年月日, 医師氏名, 住所 …) are always left to the physician.
"""

from __future__ import annotations

import datetime as dt
import re

from karte.evidence import Evidence, Span
from karte.records.models import Patient
from karte.reporting.diseases.forms import FormField, Forms, form_has_identity
from karte.reporting.notify.criteria import CriteriaReader
from karte.reporting.notify.criteria import Evidence as SpanRef
from karte.reporting.notify.dates import date_for
from karte.reporting.notify.decide import Candidate
from karte.reporting.notify.findings import Note
from karte.reporting.notify.result import FieldValue, MissingField
from karte.reporting.notify.vocab import vocab
from karte.text import normalize

_SEX_AGE = re.compile(
    r"(?P<age>\d{1,3})\s*(?P<unit>歳|才|か月|ヶ月|カ月)\s*(?:の)?\s*(?P<sex>男性|女性|男児|女児|男|女)?"
)
_SEX = re.compile(r"(男性|女性|男児|女児)")
_KATAKANA = re.compile(r"^[ァ-ヴー・]{2,}$")
_OCCUPATION = re.compile(r"職業\s*[:：は]?\s*(?P<v>[^\s、。,，:：]{1,12})")
_DATE_KINDS = {
    "date.first_visit": "first_visit",
    "date.onset": "onset",
    "date.infection": "infection",
    "date.death": "death",
}


def span(ref: SpanRef) -> Span:
    note, start, end = ref
    return Span.of(note.text, start, end, document_id=note.document_id, section=note.section_at(start))


def _evidence(refs: list[SpanRef], why: str, score: float = 0.8, source: str = "rule") -> Evidence:
    return Evidence(
        spans=[span(r) for r in refs],
        rationale=why,
        source="dictionary" if source == "dictionary" else "rule",
        score=score,
    )


class FormFiller:
    def __init__(self, forms: Forms, reader: CriteriaReader) -> None:
        self.forms = forms
        self.reader = reader
        self.v = vocab()

    def fill(
        self, cand: Candidate, notes: list[Note], patient: Patient | None, day: dt.date
    ) -> tuple[dict[str, FieldValue], list[MissingField]]:
        fields = self.forms.fields(cand.disease.form, form_has_identity(cand.disease.category))
        filled: dict[str, FieldValue] = {}
        missing: list[MissingField] = []
        for f in fields:
            if f.key in self.forms.physician_only or f.fill == "none":
                missing.append(
                    MissingField(
                        field=f.key,
                        label=f.label,
                        required=f.required,
                        reason="医師が記入 (physician completes)",
                    )
                )
                continue
            got = self._value(f, cand, notes, patient, day)
            if got is None:
                missing.append(
                    MissingField(
                        field=f.key,
                        label=f.label,
                        required=f.required,
                        reason="記録に記載が見当たらない (not found in the notes)",
                    )
                )
            else:
                filled[f.key] = got
        return filled, missing

    # -- one field ----------------------------------------------------------------------------
    def _value(
        self, f: FormField, cand: Candidate, notes: list[Note], patient: Patient | None, day: dt.date
    ) -> FieldValue | None:
        kind = f.fill
        if kind == "case_type":
            if not cand.case_type:
                return None
            refs = [(h.note, h.start, h.end) for h in cand.hits[:1]] + [
                s for fd in cand.met[:2] for s in fd.spans[:1]
            ]
            return FieldValue(
                label=f.label, value=cand.case_type, evidence=_evidence(refs, cand.reason, 0.75)
            )
        if kind == "criteria":
            met = cand.met
            if not met:
                return None
            refs = [s for fd in met for s in fd.spans[:1]]
            return FieldValue(
                label=f.label,
                value=[fd.criterion.title() for fd in met],
                evidence=_evidence(refs, "; ".join(fd.rationale for fd in met), 0.8),
            )
        if kind == "criterion":
            fd = next((x for x in cand.met if x.criterion.id == f.criterion), None)
            if fd is None:
                return None
            return FieldValue(label=f.label, value=True, evidence=_evidence(fd.spans, fd.rationale, 0.8))
        if kind == "symptoms":
            found = self.reader.symptoms(notes, cand.disease.symptoms)
            if not found:
                return None
            refs = [s for label in found for s in found[label][:1]]
            return FieldValue(
                label=f.label,
                value=list(found),
                evidence=_evidence(
                    refs,
                    "抽出された陽性の症状 (positive, current symptoms from extraction)",
                    0.8,
                    "dictionary",
                ),
            )
        if kind in ("sex", "age"):
            return self._sex_age(f, kind, notes, patient, day)
        if kind == "occupation":
            return self._pattern_value(f, _OCCUPATION, notes, "職業の記載")
        if kind in ("record.name", "record.birth_date"):
            return self._record(f, kind, patient)
        if kind == "date.diagnosis":
            return self._diagnosis_date(f, cand, notes)
        if kind in _DATE_KINDS:
            d = date_for(_DATE_KINDS[kind], notes)
            if d is None:
                return None
            return FieldValue(
                label=f.label,
                value=d.date.isoformat(),
                evidence=_evidence(
                    [(d.note, d.start, d.end)], f"日付の記載と手がかり語「{d.after[:12]}」", 0.7
                ),
            )
        if kind == "route":
            return self._route(f, notes)
        if kind == "region":
            return self._region(f, notes)
        if kind == "pattern" and f.pattern:
            return self._pattern_value(f, re.compile(f.pattern), notes, "様式項目の記載パターン")
        if kind == "terms":
            return self._choice(f, notes)
        if kind == "lab_result":
            r = self.reader.lab(notes, f.method, f.targets)
            if r.polarity not in ("positive", "negative"):
                return None
            value = f"{'陽性' if r.polarity == 'positive' else '陰性'}（{r.value}）"
            return FieldValue(
                label=f.label, value=value, evidence=_evidence(r.spans, f"検査結果の記載: {r.value}", 0.8)
            )
        return None

    def _sex_age(
        self, f: FormField, kind: str, notes: list[Note], patient: Patient | None, day: dt.date
    ) -> FieldValue | None:
        for note in notes:
            norm = note.nt.text
            m = _SEX_AGE.search(norm)
            if kind == "age" and m:
                s, e = note.nt.to_original(m.start("age"), m.end("unit"))
                unit = m["unit"]
                value: int | str = int(m["age"]) if unit in ("歳", "才") else f"{m['age']}か月"
                return FieldValue(
                    label=f.label, value=value, evidence=_evidence([(note, s, e)], "年齢の記載", 0.9)
                )
            if kind == "sex":
                ms = _SEX.search(norm) or (m if m and m["sex"] else None)
                if ms is not None:
                    g = ms.group(1) if ms.re is _SEX else ms["sex"]
                    a, b = (ms.start(1), ms.end(1)) if ms.re is _SEX else (ms.start("sex"), ms.end("sex"))
                    s, e = note.nt.to_original(a, b)
                    value = "男" if g.startswith("男") else "女"
                    return FieldValue(
                        label=f.label, value=value, evidence=_evidence([(note, s, e)], "性別の記載", 0.9)
                    )
        if patient is not None:
            if kind == "sex" and patient.sex in ("male", "female"):
                return FieldValue(
                    label=f.label,
                    value="男" if patient.sex == "male" else "女",
                    evidence=Evidence(
                        rationale=f"患者基本情報 (patient record {patient.id}: sex)", source="rule", score=1.0
                    ),
                )
            age = patient.age_on(day) if kind == "age" else None
            if age is not None:
                return FieldValue(
                    label=f.label,
                    value=age,
                    evidence=Evidence(
                        rationale=f"患者基本情報 (patient record {patient.id}: birth date / age)",
                        source="rule",
                        score=1.0,
                    ),
                )
        return None

    @staticmethod
    def _record(f: FormField, kind: str, patient: Patient | None) -> FieldValue | None:
        if patient is None:
            return None
        value = (
            patient.name
            if kind == "record.name"
            else (patient.birth_date.isoformat() if patient.birth_date else None)
        )
        if not value:
            return None
        return FieldValue(
            label=f.label,
            value=value,
            evidence=Evidence(
                rationale=f"患者基本情報 (patient record {patient.id}: {kind.split('.')[1]})",
                source="rule",
                score=1.0,
            ),
        )

    def _diagnosis_date(self, f: FormField, cand: Candidate, notes: list[Note]) -> FieldValue | None:
        d = date_for("diagnosis", notes)
        if d is not None:
            return FieldValue(
                label=f.label,
                value=d.date.isoformat(),
                evidence=_evidence([(d.note, d.start, d.end)], "診断・検査結果の日付", 0.7),
            )
        refs = [s for fd in cand.met for s in fd.spans[:1]] or [
            (h.note, h.start, h.end) for h in cand.hits[:1]
        ]
        note = refs[0][0] if refs else None
        if note is None or note.date is None:
            return None
        return FieldValue(
            label=f.label,
            value=note.date.isoformat(),
            evidence=_evidence(
                refs[:1], "診断を記載した記録の日付 (date of the note with the diagnosis)", 0.6
            ),
        )

    def _route(self, f: FormField, notes: list[Note]) -> FieldValue | None:
        for label, pat in self.v.routes:
            for note in notes:
                m = pat.search(note.nt.text)
                if m:
                    s, e = note.nt.to_original(m.start(), m.end())
                    sentence = note.sentence_at(s)
                    detail = sentence.text.strip() if sentence else note.text[s:e]
                    return FieldValue(
                        label=f.label,
                        value=f"{label}（{detail[:60]}）",
                        evidence=_evidence(
                            [(note, s, e)], f"感染経路の手がかり「{note.text[s:e]}」→ {label} (推定)", 0.6
                        ),
                    )
        return None

    def _region(self, f: FormField, notes: list[Note]) -> FieldValue | None:
        for note in notes:
            norm = note.nt.text
            for m in self.v.travel_abroad.finditer(norm):
                place = m["place"].lstrip("はがをにでへとの、")
                if not place or place in self.v.travel_exclude:
                    continue
                if not (_KATAKANA.match(place) or place in self.v.travel_places):
                    continue
                s, e = note.nt.to_original(m.start("place"), m.end())
                return FieldValue(
                    label=f.label,
                    value=f"国外（{place}）",
                    evidence=_evidence([(note, s, e)], "渡航・滞在の記載", 0.7),
                )
            m2 = self.v.travel_none.search(norm)
            if m2:
                s, e = note.nt.to_original(m2.start(), m2.end())
                return FieldValue(
                    label=f.label, value="日本国内", evidence=_evidence([(note, s, e)], "渡航歴なし", 0.7)
                )
        return None

    def _pattern_value(
        self, f: FormField, pat: re.Pattern[str], notes: list[Note], why: str
    ) -> FieldValue | None:
        for note in notes:
            m = pat.search(note.nt.text)
            if m:
                group = 1 if m.re.groups else 0
                if m.re.groupindex.get("v"):
                    group = m.re.groupindex["v"]
                s, e = note.nt.to_original(m.start(group), m.end(group))
                return FieldValue(
                    label=f.label, value=note.text[s:e], evidence=_evidence([(note, s, e)], why, 0.7)
                )
        return None

    def _choice(self, f: FormField, notes: list[Note]) -> FieldValue | None:
        chosen: list[str] = []
        refs: list[SpanRef] = []
        for c in f.choices:
            found = self._choice_found(c.all_of or [c.terms], notes, require_all=bool(c.all_of))
            if found:
                chosen.append(c.label)
                refs.extend(found)
                if not f.multiple:
                    break
        if not chosen:
            return None
        return FieldValue(
            label=f.label,
            value=chosen if f.multiple else chosen[0],
            evidence=_evidence(refs[:3], f"記載語から選択: {'・'.join(chosen)}", 0.7),
        )

    def _choice_found(self, groups: list[list[str]], notes: list[Note], require_all: bool) -> list[SpanRef]:
        refs: list[SpanRef] = []
        for terms in groups:
            pat = re.compile(
                "|".join(re.escape(normalize(t).text) for t in sorted(terms, key=len, reverse=True)),
                re.IGNORECASE,
            )
            hit = None
            for note in notes:
                for m in pat.finditer(note.nt.text):
                    s, e = note.nt.to_original(m.start(), m.end())
                    if self._negated_here(note, s, e):
                        continue
                    hit = (note, s, e)
                    break
                if hit:
                    break
            if hit is None and require_all:
                return []
            if hit is not None:
                refs.append(hit)
                if not require_all:
                    return refs
        return refs

    def _negated_here(self, note: Note, start: int, end: int) -> bool:
        for m in note.mentions_in(start, end, ("disease",)):
            if m.certainty == "negative" or m.historical or m.family:
                return True
        tail = note.text[end : end + 8]
        return bool(self.v.negative.match(tail.lstrip("はがもの")))
