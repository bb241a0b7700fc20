"""Clinical records: patients, documents, sections, observations; loaders and the store."""

from karte.records.models import (
    Allergy,
    Coding,
    Condition,
    Document,
    GoldEntity,
    Medication,
    Observation,
    Patient,
    PatientRecord,
    Section,
)

__all__ = [
    "Allergy",
    "Coding",
    "Condition",
    "Document",
    "GoldEntity",
    "Medication",
    "Observation",
    "Patient",
    "PatientRecord",
    "Section",
]
