"""The patient evidence index: everything screening needs about one patient, read once per patient.

Built from a :class:`~karte.records.models.PatientRecord` (store, FHIR or JSONL import: demographics,
coded conditions, medications, lab observations and notes) or from a note's text alone. Notes are
read like structured data: coded disease names with certainty, history, family and resolution; drugs
with whether they are taken, stopped or denied; lab values with their units and dates; the age and
sex a note states. The index does not depend on any trial, so one index serves every trial.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from karte.records.models import Condition, Medication, Observation, PatientRecord
from karte.screening.evidence.attributes import Annotator, ExtractorAnnotator, RuleAnnotator, note_rules
from karte.screening.evidence.dates import date_before, find_dates
from karte.screening.evidence.derived import derive_labs
from karte.screening.evidence.facts import (
    DateSource,
    DiseaseFact,
    DrugFact,
    LabFact,
    NoteDoc,
    StatedDemographics,
    record_evidence,
)
from karte.screening.resources import load_resource
from karte.screening.vocab import disease_vocabulary, drug_table, lab_table
from karte.text import analyze, normalize

AttributeMode = Literal["rules", "extractor"]
_ICD10_SYSTEM = re.compile(r"icd-?10", re.IGNORECASE)
_ICD10_CODE = re.compile(r"^[A-Z]\d{2}(?:\.?[0-9A-Za-z]{1,3})?$")
_VALUE = re.compile(
    r"^\s*(?:\([^()\n]{0,12}\))?\s*(?:値)?\s*(?:[:：=]|は|が)?\s*"
    r"(?P<num>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>%|(?:[x×]\s*)?10\^?\d+\s*/\s*[μu]L|[A-Za-zμ]+(?:/[0-9.]*[A-Za-zμ0-9.²]*)*)?"
)


@dataclass
class PatientEvidence:
    patient_id: str
    birth_date: dt.date | None = None
    stored_age: int | None = None
    sex: str = "unknown"
    docs: list[NoteDoc] = field(default_factory=list)
    diseases: list[DiseaseFact] = field(default_factory=list)
    drugs: list[DrugFact] = field(default_factory=list)
    labs: list[LabFact] = field(default_factory=list)
    stated: list[StatedDemographics] = field(default_factory=list)
    has_records: bool = False  # structured problem list / medications / labs were given

    def latest_note_date(self) -> dt.date | None:
        dates = [d.date for d in self.docs if d.date is not None]
        return max(dates) if dates else None


@lru_cache(maxsize=1)
def _demographics_pattern() -> re.Pattern[str]:
    return re.compile(load_resource("ja", "note_rules.yaml")["demographics"]["pattern"])


@lru_cache(maxsize=1)
def _extractor() -> Any:
    from karte.extract import default_extractor

    return default_extractor()


def _annotator_factory(mode: AttributeMode) -> Callable[[NoteDoc], Annotator]:
    if mode == "extractor":
        extractor = _extractor()  # raises ConfigError when the extraction models are missing
        return lambda doc: ExtractorAnnotator(doc.text, doc.sections, extractor)
    return lambda doc: RuleAnnotator(doc.text, doc.sections)


def note_doc(text: str, doc_id: str | None = None, date: dt.date | None = None) -> NoteDoc:
    analyzed = analyze(text, tokens=False)
    return NoteDoc(doc_id, text, date, analyzed.sections, analyzed.sentences)


def _read_note(ev: PatientEvidence, doc: NoteDoc, annotator: Annotator) -> None:
    diseases, drugs, labs = disease_vocabulary(), drug_table(), lab_table()
    for hit in diseases.find(doc.text):
        attrs = annotator.disease(hit.start, hit.end)
        ev.diseases.append(
            DiseaseFact(
                hit.values,
                doc.text[hit.start : hit.end],
                "note",
                doc.evidence(hit.start, hit.end),
                doc.date,
                attrs,
            )
        )
    for d in drugs.find(doc.text):
        state = annotator.drug(d.start, d.end)
        for ref in d.values:
            ev.drugs.append(
                DrugFact(
                    ref,
                    doc.text[d.start : d.end],
                    "note",
                    doc.evidence(d.start, d.end),
                    state.state,
                    state.why,
                    doc.date,
                    listed=state.listed,
                )
            )
    dates = find_dates(doc.text)
    for hit in labs.find(doc.text):
        tail_nt = normalize(doc.text[hit.end : hit.end + 40])
        m = _VALUE.match(tail_nt.text)
        if not m:
            continue
        analyte = labs.analytes[hit.values[0]]
        raw, unit = float(m["num"]), (m["unit"] or None)
        line_date = date_before(dates, doc.text, hit.start)
        how: DateSource = "line" if line_date else ("note" if doc.date else "none")
        when = line_date or doc.date
        end = hit.end + tail_nt.to_original(0, m.end())[1]
        ev.labs.append(
            LabFact(
                analyte.key,
                analyte.to_canonical(raw, unit),
                raw,
                unit,
                "note",
                doc.evidence(hit.start, end),
                when,
                how,
            )
        )
    _date_restated_values(ev.labs)
    nt = normalize(doc.text)
    for m in _demographics_pattern().finditer(nt.text):
        s, e = nt.to_original(m.start(), m.end())
        sex = {"男": "male", "女": "female"}.get(m["sex"][0])
        ev.stated.append(StatedDemographics(int(m["age"]), sex, doc.date, doc.evidence(s, e)))
        break  # the first statement of a note is the patient's


def _date_restated_values(labs: list[LabFact]) -> None:
    """A value restated without a date ("HbA1c 8.6%。" in the plan) takes the date of the same value on
    a dated line of the same note (the lab section it was copied from)."""
    dated = {(f.evidence.document_id, f.analyte, f.raw_value): f.date for f in labs if f.date_from == "line"}
    for f in labs:
        if f.source == "note" and f.date_from in ("note", "none"):
            when = dated.get((f.evidence.document_id, f.analyte, f.raw_value))
            if when is not None:
                f.date, f.date_from = when, "line"


def _current_lists(ev: PatientEvidence) -> None:
    """The newest medication list is what the patient takes: a drug said to be current in a note of
    that date or earlier but absent from that list (by drug or class) was stopped since. A list that
    reads "なし" counts too: it has no drugs."""
    table = drug_table()
    sections = note_rules().current_sections
    dated = [d for d in ev.docs if d.date is not None and any(s.name in sections for s in d.sections)]
    if not dated:
        return
    newest = max(d.date for d in dated if d.date is not None)
    newest_ids = {d.id for d in dated if d.date == newest}
    listed = [
        f.ref for f in ev.drugs if f.source == "note" and f.listed and f.evidence.document_id in newest_ids
    ]
    for f in ev.drugs:
        if f.source != "note" or f.state != "current" or f.date is None or f.date > newest:
            continue
        if not any(table.related(f.ref, ref) for ref in listed):
            f.state = "past"
            f.why += f"; {newest} の内服薬一覧にない (not in the newest medication list)"


def _conditions(ev: PatientEvidence, conditions: Iterable[Condition]) -> None:
    vocab = disease_vocabulary()
    for c in conditions:
        codes = tuple(
            x.code.strip()
            for x in c.codes
            if _ICD10_SYSTEM.search(x.system or "") or _ICD10_CODE.match(x.code.strip())
        )
        if not codes:  # an uncoded problem-list entry: code its name from the dictionary
            codes = tuple(code for hit in vocab.find(c.name) for code in hit.values)
        status = f", {c.clinical_status}" if c.clinical_status else ""
        text = f"{c.name} ({', '.join(codes) or '—'}{status}; onset {c.onset or '?'})"
        ev.diseases.append(
            DiseaseFact(
                codes,
                c.name,
                "record",
                record_evidence("condition", c.id, text),
                c.onset,
                None,
                c.clinical_status,
                c.abatement,
            )
        )


def _medications(ev: PatientEvidence, medications: Iterable[Medication]) -> None:
    drugs = drug_table()
    for med in medications:
        refs = [ref for hit in drugs.find(med.name) for ref in hit.values][:1]
        if not refs:
            continue
        period = f"{med.start or '?'}–{med.end or ''}"
        text = f"{med.name} ({med.status or 'status ?'}, {period})"
        ev.drugs.append(
            DrugFact(
                refs[0],
                med.name,
                "record",
                record_evidence("medication", med.id, text),
                status=med.status,
                start=med.start,
                end=med.end,
            )
        )


def _observations(ev: PatientEvidence, observations: Iterable[Observation]) -> None:
    labs = lab_table()
    for obs in observations:
        if obs.value is None:
            continue
        analyte = labs.analyte_of_observation(obs)
        if analyte is None:
            continue
        when = obs.datetime.date() if obs.datetime else None
        text = f"{obs.local_name} {obs.value:g} {obs.unit or ''} ({when or '日付不明'})".strip()
        ev.labs.append(
            LabFact(
                analyte.key,
                analyte.to_canonical(obs.value, obs.unit),
                obs.value,
                obs.unit,
                "record",
                record_evidence("observation", obs.id, text),
                when,
                "record" if when else "none",
            )
        )


def _derive(ev: PatientEvidence) -> None:
    sex = ev.sex if ev.sex in ("male", "female") else next((s.sex for s in ev.stated if s.sex), None)
    ev.labs += derive_labs(ev.labs, ev.birth_date, sex, [(s.age, s.date) for s in ev.stated])


def evidence_of_record(record: PatientRecord, attributes: AttributeMode = "rules") -> PatientEvidence:
    """The index of a stored or imported patient (structured data and every note)."""
    ev = PatientEvidence(record.id, record.birth_date, record.age, record.sex)
    ev.has_records = bool(record.conditions or record.medications or record.observations)
    annotate = _annotator_factory(attributes)
    for d in record.documents:
        doc = note_doc(d.text, d.id, d.datetime.date() if d.datetime else None)
        ev.docs.append(doc)
        _read_note(ev, doc, annotate(doc))
    _current_lists(ev)
    _conditions(ev, record.conditions)
    _medications(ev, record.medications)
    _observations(ev, record.observations)
    _derive(ev)
    return ev


def evidence_of_text(
    patient_id: str, text: str, note_date: dt.date | None = None, attributes: AttributeMode = "rules"
) -> PatientEvidence:
    """The index of a patient known only by a note's text (offsets are into ``text``)."""
    ev = PatientEvidence(patient_id)
    doc = note_doc(text, None, note_date)
    ev.docs.append(doc)
    _read_note(ev, doc, _annotator_factory(attributes)(doc))
    _derive(ev)
    return ev
