"""Facts from the structured chart (problem list, prescriptions, results, allergies, note dates).

Each fact cites its line of the rendered chart document (see :mod:`karte.drafting.sources`). ICD-10
codes from the chart are kept only when the loaded ICD-10 table knows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from karte.drafting.lexicon import Lexicon
from karte.drafting.models import Citation, Fact, FactCode, FactKind
from karte.drafting.sources import ChartSources
from karte.records.models import Medication, Observation
from karte.text import normalize

ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10", "icd-10", "icd10", "ICD-10")
CodeCheck = Callable[[str], bool]


def _date_of(value: dt.datetime | dt.date | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def chart_facts(
    sources: ChartSources,
    lexicon: Lexicon,
    admission: dt.date | None,
    icd10_known: CodeCheck,
    warnings: list[str],
) -> list[Fact]:
    facts: list[Fact] = []
    pid = sources.patient_id
    cond_doc = f"{pid}#conditions"
    for rank, (cond, line) in enumerate(sources.conditions, start=1):
        codes = []
        for c in cond.codes:
            if c.system not in ICD10_SYSTEMS:
                continue
            if icd10_known(c.code):
                codes.append(
                    FactCode(system="icd10", code=c.code, display=c.display, score=1.0, source="chart")
                )
            else:
                warnings.append(
                    f"病名「{cond.name}」のコード {c.code} は ICD-10 表にないため出力しません "
                    f"(code not in the loaded ICD-10 table; left out)"
                )
        facts.append(
            Fact(
                id="",
                kind="diagnosis" if rank == 1 else "comorbidity",
                text=cond.name,
                name=cond.name,
                certainty="positive",
                status=cond.clinical_status,
                codes=codes,
                date=cond.onset,
                date_citation=line.citation(cond_doc, "onset") if cond.onset else None,
                citations=[line.citation(cond_doc)],
                rank=rank,
            )
        )
    med_doc = f"{pid}#medications"
    for med, line in sources.medications:
        kind = _medication_kind(med, admission)
        facts.append(
            Fact(
                id="",
                kind=kind,
                text=med.dosage or med.name,
                name=_drug_name(lexicon, med.name),
                status=med.status,
                date=med.start,
                date_citation=line.citation(med_doc, "start") if med.start else None,
                citations=[line.citation(med_doc)],
            )
        )
    obs_doc = f"{pid}#observations"
    for obs, line in sources.observations:
        when = _date_of(obs.datetime)
        facts.append(
            Fact(
                id="",
                kind="lab",
                text=sources.text(obs_doc)[line.start : line.end],
                name=obs.local_name,
                value=sources.text(obs_doc)[line.parts["value"].start : line.parts["value"].end],
                abnormal=_abnormal(obs),
                date=when,
                date_citation=line.citation(obs_doc, "date") if when else None,
                citations=[line.citation(obs_doc)],
            )
        )
    allergy_doc = f"{pid}#allergies"
    for allergy, line in sources.allergies:
        facts.append(
            Fact(
                id="",
                kind="allergy",
                text=sources.text(allergy_doc)[line.start : line.end],
                name=allergy.substance,
                certainty="positive",
                citations=[line.citation(allergy_doc)],
            )
        )
    return facts


def _abnormal(obs: Observation) -> bool | None:
    if obs.value is None or (obs.reference_low is None and obs.reference_high is None):
        return None
    low = obs.reference_low if obs.reference_low is not None else float("-inf")
    high = obs.reference_high if obs.reference_high is not None else float("inf")
    return not (low <= obs.value <= high)


def _medication_kind(med: Medication, admission: dt.date | None) -> FactKind:
    """active → current (the prescription at the end); completed in hospital → inpatient; else home."""
    status = (med.status or "").lower()
    if status == "active":
        return "medication_current"
    if admission is not None and med.start is not None and med.start >= admission:
        return "medication_inpatient"
    return "medication_home"


def _drug_name(lexicon: Lexicon, name: str) -> str:
    hit = next((h for h in lexicon.find(normalize(name).text) if h.type == "medication"), None)
    return hit.canonical if hit else name


def note_date_facts(sources: ChartSources, admission_note_id: str | None) -> list[Fact]:
    """The admission date: the date of the admission note, as listed in the list of notes."""
    if admission_note_id is None:
        return []
    doc = next((d for d in sources.notes if d.id == admission_note_id), None)
    line = sources.note_lines.get(admission_note_id)
    if doc is None or doc.datetime is None or line is None:
        return []
    cite = line.citation(sources.list_id, "date")
    return [
        Fact(
            id="",
            kind="admission_date",
            text=sources.text(sources.list_id)[cite.start : cite.end],
            date=doc.datetime.date(),
            date_citation=cite,
            citations=[cite, line.citation(sources.list_id, "type")],
        )
    ]


def note_citation(sources: ChartSources, note_id: str) -> Citation | None:
    """Where a note's date is written in the list of notes."""
    line = sources.note_lines.get(note_id)
    return line.citation(sources.list_id, "date") if line is not None and "date" in line.parts else None
