"""Conversion between the pydantic record models and table rows.

Column names equal field names (see :mod:`.schema`), so a row is the model's ``model_dump()``
plus the owner's ``seq``; nested models become plain dicts and lists, stored as JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from karte.records.models import (
    Allergy,
    Condition,
    Document,
    Medication,
    Observation,
    Patient,
    PatientRecord,
)

#: The model of each child list of :class:`PatientRecord`, in the order of :data:`.schema.CHILD_TABLES`.
CHILD_MODELS: dict[str, type[BaseModel]] = {
    "documents": Document,
    "observations": Observation,
    "medications": Medication,
    "allergies": Allergy,
    "conditions": Condition,
}
_PATIENT_FIELDS = frozenset(Patient.model_fields)
_NOT_FIELDS = frozenset({"seq"})


def patient_row(record: Patient) -> dict[str, Any]:
    return record.model_dump(include=set(_PATIENT_FIELDS))


def child_rows(record: PatientRecord, kind: str) -> list[dict[str, Any]]:
    children: list[BaseModel] = getattr(record, kind)
    return [{**child.model_dump(), "seq": seq} for seq, child in enumerate(children)]


def _fields(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in _NOT_FIELDS}


def document_from_row(row: Mapping[Any, Any]) -> Document:
    return Document.model_validate(_fields(row))


def record_from_rows(
    patient: Mapping[Any, Any], children: Mapping[str, Iterable[Mapping[Any, Any]]]
) -> PatientRecord:
    """A :class:`PatientRecord` from its patient row and its child rows (each list in ``seq`` order)."""
    data = _fields(patient)
    for kind in CHILD_MODELS:
        data[kind] = [_fields(row) for row in children.get(kind, ())]
    return PatientRecord.model_validate(data)
