"""Pydantic models of clinical records.

These are the one in-memory form of patients and their documents, used by loaders, the store,
exporters and tasks. Dates are ISO 8601; offsets in :class:`Section` and :class:`GoldEntity`
are character offsets into :attr:`Document.text`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from karte.records.text_checks import check_text

Sex = Literal["male", "female", "other", "unknown"]
_ID_FIELD = Field(min_length=1, max_length=200, description="Identifier, unique within its kind")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Coding(_Record):
    """A code from a code system (ICD-10, JLAC10, J-FAGY, a local code …)."""

    system: str
    code: str
    display: str | None = None


class Patient(_Record):
    id: str = _ID_FIELD
    birth_date: dt.date | None = None
    age: int | None = Field(
        default=None, ge=0, le=130, description="Age in years when no birth date is known"
    )
    sex: Sex = "unknown"
    name: str | None = None
    name_kana: str | None = None
    identifiers: dict[str, str] = Field(
        default_factory=dict, description="system → value (MRN, カルテ番号 …)"
    )

    def age_on(self, when: dt.date) -> int | None:
        """Age in whole years on ``when`` (from the birth date if known, else the stored age)."""
        if self.birth_date is None:
            return self.age
        b = self.birth_date
        return when.year - b.year - ((when.month, when.day) < (b.month, b.day))


class Section(_Record):
    """A section of a document: its heading and body as offsets into the document text."""

    name: str = Field(description="Canonical section name, e.g. 'chief_complaint'")
    title: str = Field(description="The heading as written, e.g. '主訴'")
    start: int = Field(ge=0, description="Start of the heading")
    end: int = Field(ge=0, description="End of the body")
    body_start: int = Field(ge=0)
    body_end: int = Field(ge=0)


class GoldEntity(_Record):
    """A gold-standard annotation (e.g. from MedTxt PRISM tags), for evaluation."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    type: str
    attributes: dict[str, str] = Field(default_factory=dict)


class Document(_Record):
    id: str = _ID_FIELD
    patient_id: str | None = None
    type: str = Field(default="経過記録", description="入院時記録, 経過記録, 退院時サマリー, 検査結果 …")
    datetime: dt.datetime | None = None
    title: str | None = None
    text: str
    sections: list[Section] = Field(default_factory=list)
    gold: list[GoldEntity] = Field(default_factory=list)
    source: str | None = Field(default=None, description="Where the document was loaded from")

    @field_validator("text")
    @classmethod
    def _text_ok(cls, value: str) -> str:
        return check_text(value)

    @model_validator(mode="after")
    def _spans_inside_text(self) -> Document:
        n = len(self.text)
        for s in self.sections:
            if not (s.start <= s.body_start <= s.body_end <= s.end <= n):
                raise ValueError(f"section {s.name!r} offsets {s.start}-{s.end} lie outside the text")
        for g in self.gold:
            if not (0 <= g.start <= g.end <= n) or self.text[g.start : g.end] != g.text:
                raise ValueError(f"gold entity {g.text!r} at {g.start}-{g.end} does not match the text")
        return self


class Observation(_Record):
    """A laboratory or vital-sign result, under its local (hospital) name."""

    id: str = _ID_FIELD
    patient_id: str | None = None
    local_name: str
    local_code: str | None = None
    value: float | None = None
    value_text: str | None = None
    unit: str | None = None
    reference_low: float | None = None
    reference_high: float | None = None
    reference_text: str | None = None
    datetime: dt.datetime | None = None
    codes: list[Coding] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_value(self) -> Observation:
        if self.value is None and not self.value_text:
            raise ValueError(f"observation {self.id!r} has neither value nor value_text")
        return self


class Medication(_Record):
    id: str = _ID_FIELD
    patient_id: str | None = None
    name: str
    codes: list[Coding] = Field(default_factory=list)
    dosage: str | None = None
    status: str | None = Field(default=None, description="active, completed, stopped …")
    start: dt.date | None = None
    end: dt.date | None = None
    reason: str | None = None


class Allergy(_Record):
    id: str = _ID_FIELD
    patient_id: str | None = None
    substance: str
    codes: list[Coding] = Field(default_factory=list)
    category: str | None = Field(default=None, description="food, medication, environment, biologic")
    reaction: str | None = None
    criticality: str | None = None


class Condition(_Record):
    """A coded diagnosis from a problem list (not extracted from text)."""

    id: str = _ID_FIELD
    patient_id: str | None = None
    name: str
    codes: list[Coding] = Field(default_factory=list)
    clinical_status: str | None = None
    onset: dt.date | None = None
    abatement: dt.date | None = None


class PatientRecord(Patient):
    """A patient with everything known about them: one line of Karte's JSONL import/export format."""

    documents: list[Document] = Field(default_factory=list)
    observations: list[Observation] = Field(default_factory=list)
    medications: list[Medication] = Field(default_factory=list)
    allergies: list[Allergy] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _own_children(self) -> PatientRecord:
        """Children without a patient id take this patient's; a different id is an error."""
        for kind in ("documents", "observations", "medications", "allergies", "conditions"):
            for i, child in enumerate(getattr(self, kind)):
                if child.patient_id is None:
                    child.patient_id = self.id
                elif child.patient_id != self.id:
                    raise ValueError(
                        f"{kind}[{i}].patient_id {child.patient_id!r} は患者 {self.id!r} と一致しません"
                        f" (does not match patient {self.id!r})"
                    )
        return self

    def patient(self) -> Patient:
        return Patient.model_validate(self.model_dump(include=set(Patient.model_fields)))
