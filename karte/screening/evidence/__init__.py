"""The patient evidence index (see :mod:`karte.screening.evidence.index`)."""

from karte.screening.evidence.facts import DiseaseFact, DrugFact, LabFact, NoteDoc, StatedDemographics
from karte.screening.evidence.index import (
    AttributeMode,
    PatientEvidence,
    evidence_of_record,
    evidence_of_text,
    note_doc,
)

__all__ = [
    "AttributeMode",
    "DiseaseFact",
    "DrugFact",
    "LabFact",
    "NoteDoc",
    "PatientEvidence",
    "StatedDemographics",
    "evidence_of_record",
    "evidence_of_text",
    "note_doc",
]
