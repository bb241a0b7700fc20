"""The facts a patient evidence index holds: notes, diseases, drugs, lab results, stated demographics.

Each fact keeps where it came from: an :class:`~karte.screening.models.EvidenceItem` that is either a
sentence of a note (ORIGINAL offsets, with the mention's own offsets) or a structured record.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal

from karte.records.models import Section
from karte.screening.evidence.attributes import DiseaseAttrs, DrugState
from karte.screening.models import EvidenceItem, EvidenceKind
from karte.screening.vocab.drugs import DrugRef
from karte.text import Sentence

FactSource = Literal["note", "record"]
DateSource = Literal["record", "line", "note", "none"]


@dataclass
class NoteDoc:
    """One note: its text (ORIGINAL), date, sections and sentences."""

    id: str | None
    text: str
    date: dt.date | None
    sections: list[Section]
    sentences: list[Sentence]
    _starts: list[int] = field(default_factory=list, repr=False)

    def sentence_at(self, offset: int) -> Sentence | None:
        if not self._starts:
            self._starts = [s.start for s in self.sentences]
        i = bisect_right(self._starts, offset) - 1
        if i >= 0 and self.sentences[i].start <= offset < max(self.sentences[i].end, offset + 1):
            return self.sentences[i]
        return None

    def evidence(self, start: int, end: int) -> EvidenceItem:
        """The sentence around ``[start, end)`` as evidence (the span itself when no sentence holds it)."""
        s = self.sentence_at(start)
        lo, hi = (s.start, max(s.end, end)) if s is not None else (start, end)
        return EvidenceItem(
            start=lo,
            end=hi,
            text=self.text[lo:hi],
            document_id=self.id,
            kind="note",
            mention_start=start,
            mention_end=end,
        )


def record_evidence(kind: EvidenceKind, record_id: str, text: str) -> EvidenceItem:
    resource = {"condition": "Condition", "medication": "MedicationStatement", "observation": "Observation"}
    return EvidenceItem(text=text, kind=kind, record=f"{resource.get(kind, 'Patient')}/{record_id}")


@dataclass
class DiseaseFact:
    codes: tuple[str, ...]
    label: str
    source: FactSource
    evidence: EvidenceItem
    date: dt.date | None = None  # the note's date, or the onset of a recorded condition
    attrs: DiseaseAttrs | None = None  # notes only
    clinical_status: str | None = None  # records only: active, resolved, inactive, remission …
    abatement: dt.date | None = None


@dataclass
class DrugFact:
    ref: DrugRef
    label: str
    source: FactSource
    evidence: EvidenceItem
    state: DrugState | None = None  # notes: as of the note date
    why: str = ""
    date: dt.date | None = None  # the note's date
    listed: bool = False  # notes: in a medication-list section
    status: str | None = None  # records: active, completed, stopped …
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass
class LabFact:
    analyte: str
    value: float | None  # in the analyte's canonical unit; None when the unit is not convertible
    raw_value: float
    unit: str | None
    source: FactSource
    evidence: EvidenceItem
    date: dt.date | None = None
    date_from: DateSource = "none"
    derived: str | None = None  # how a computed value was derived (eGFR from creatinine)


@dataclass
class StatedDemographics:
    age: int
    sex: str | None
    date: dt.date | None
    evidence: EvidenceItem
