"""Notes (one, or all of a patient's) → notification draft(s): decision, criteria, form, FHIR and HTML."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from karte.evidence import Evidence
from karte.records.models import Patient
from karte.reporting.diseases.forms import Forms, load_forms
from karte.reporting.diseases.table import NotifiableTable
from karte.reporting.notify.criteria import CriteriaReader
from karte.reporting.notify.decide import Candidate, Considered, Decider
from karte.reporting.notify.fhir import questionnaire_response
from karte.reporting.notify.findings import DiseaseIndex, ExtractorLike, Note
from karte.reporting.notify.form_fill import FormFiller, span
from karte.reporting.notify.html import render_html
from karte.reporting.notify.result import ConsideredMention, CriterionMet, Notification, NotifyResult

FORMATS = ("fhir", "html")


@dataclass(frozen=True)
class NoteSource:
    text: str
    document_id: str | None = None
    date: dt.date | None = None


class NotifyEngine:
    """Holds the table and the extractor; :meth:`run` is cheap to call many times."""

    def __init__(self, table: NotifiableTable, extractor: ExtractorLike, forms: Forms | None = None) -> None:
        self.table = table
        self.extractor = extractor
        self.forms = forms or load_forms()
        self._indexes: dict[dt.date, DiseaseIndex] = {}

    def index(self, day: dt.date) -> DiseaseIndex:
        if day not in self._indexes:
            self._indexes[day] = DiseaseIndex(self.table, day)
        return self._indexes[day]

    def notes(self, sources: list[NoteSource], day: dt.date) -> list[Note]:
        return [Note.of(s.text, self.extractor, s.document_id, s.date or day) for s in sources]

    def run(
        self,
        sources: list[NoteSource],
        day: dt.date,
        patient: Patient | None = None,
        formats: tuple[str, ...] = FORMATS,
    ) -> NotifyResult:
        notes = self.notes(sources, day)
        reader = CriteriaReader()
        candidates, considered = Decider(self.table, self.index(day), reader).decide(notes)
        filler = FormFiller(self.forms, reader)
        drafts = [self._notification(c, notes, patient, day, formats, filler) for c in candidates]
        primary = (
            drafts[0]
            if drafts
            else Notification(
                notifiable=False, status="none", reason="届出対象疾患の記載なし (no notifiable disease found)"
            )
        )
        return NotifyResult(
            **primary.model_dump(),
            others=drafts[1:],
            considered=[_considered(c) for c in considered],
            as_of=day,
            table=f"{self.table.meta.get('title', '')} {self.table.version} ({self.table.origin})".strip(),
        )

    def _notification(
        self,
        c: Candidate,
        notes: list[Note],
        patient: Patient | None,
        day: dt.date,
        formats: tuple[str, ...],
        filler: FormFiller,
    ) -> Notification:
        d = c.disease
        criteria = [
            CriterionMet(
                id=f.criterion.id,
                label=f.criterion.title(),
                evidence=Evidence(
                    spans=[span(s) for s in f.spans], rationale=f.rationale, source="rule", score=0.8
                ),
            )
            for f in c.met
        ]
        n = Notification(
            notifiable=c.notifiable,
            status=c.status,
            disease=d.name,
            disease_id=d.id,
            category=d.category,
            reporting=d.reporting,
            deadline=d.deadline,
            case_type=c.case_type,
            criteria_met=criteria,
            reason=c.reason,
            legal_source=d.source,
            valid_from=d.valid_from,
        )
        if not c.notifiable:
            return n
        n.form, n.missing = filler.fill(c, notes, patient, day)
        if "fhir" in formats:
            authored = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
            n.questionnaire_response = questionnaire_response(
                n, d, self.forms, patient.id if patient else None, authored
            )
        if "html" in formats:
            n.html = render_html(n, d, self.forms, day)
        return n


def _considered(c: Considered) -> ConsideredMention:
    return ConsideredMention(name=c.name, reason=c.reason, evidence=[span(s) for s in c.spans])
