"""Trial definitions, their compiled (checkable) form, and screening results.

A trial is ``{"id", "title", "criteria": [{"id", "type": "inclusion|exclusion", "text"}]}``. The
compiler turns each criterion's text into :class:`CompiledCriterion`: checks of known kinds (age, sex,
diagnosis as an ICD-10 code set, medication as drug classes, lab threshold with unit and time window,
free text for the LLM) combined with ``all``/``any`` and optionally negated. A criterion written with
a ``compiled`` object (edited by a user after ``karte trial compile --save``) is used as written.

The status of a criterion says whether its statement holds for the patient: ``met`` for an exclusion
criterion means the patient has the excluding condition. A patient is eligible when every inclusion
criterion is met and no exclusion criterion is; ineligible when one inclusion is not met or one
exclusion is met; unknown otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CriterionType = Literal["inclusion", "exclusion"]
Status = Literal["met", "not_met", "unknown"]
Eligibility = Literal["eligible", "ineligible", "unknown"]
Comparator = Literal[">=", ">", "<=", "<"]
Timing = Literal["current", "ever", "past"]
DiagnosisStatus = Literal["current", "ever", "past"]
CompileSource = Literal["rule", "llm", "user"]
EvidenceKind = Literal["note", "condition", "observation", "medication", "patient", "llm"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgeCheck(_Model):
    kind: Literal["age"] = "age"
    min: int | None = Field(default=None, ge=0, le=150, description="Lowest allowed age (inclusive)")
    max: int | None = Field(default=None, ge=0, le=150, description="Highest allowed age (inclusive)")

    @model_validator(mode="after")
    def _bounded(self) -> AgeCheck:
        if self.min is None and self.max is None:
            raise ValueError("age check needs min or max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"age min {self.min} is above max {self.max}")
        return self


class SexCheck(_Model):
    kind: Literal["sex"] = "sex"
    sex: Literal["male", "female"]


class DiagnosisCheck(_Model):
    kind: Literal["diagnosis"] = "diagnosis"
    label: str = Field(description="The disease as the criterion names it")
    codes: list[str] = Field(
        min_length=1, description='ICD-10 code set: "E11" (category), "I11.0" (code), "C00-C97" (range)'
    )
    exclude_codes: list[str] = Field(default_factory=list, description="Codes taken out of the set")
    status: DiagnosisStatus = Field(
        default="current", description="current (not resolved), ever (any time), past (resolved only)"
    )


class MedicationCheck(_Model):
    kind: Literal["medication"] = "medication"
    label: str
    classes: list[str] = Field(default_factory=list, description="Drug class ids (drug_classes.yaml)")
    drugs: list[str] = Field(default_factory=list, description="Generic names")
    timing: Timing = "current"
    within_days: int | None = Field(default=None, ge=1, description="Exposure within this many days")

    @model_validator(mode="after")
    def _something(self) -> MedicationCheck:
        if not self.classes and not self.drugs:
            raise ValueError("medication check needs classes or drugs")
        return self


class LabCheck(_Model):
    kind: Literal["lab"] = "lab"
    label: str
    analyte: str = Field(description="Analyte key (JLAC table key or lab_analytes.yaml id)")
    op: Comparator
    value: float
    unit: str = Field(description="Unit of the threshold (the analyte's canonical unit)")
    within_days: int | None = Field(default=None, ge=1, description="Results within this many days")
    which: Literal["latest", "any"] = Field(
        default="latest", description="latest: the newest result in the window decides; any: one suffices"
    )


class TextCheck(_Model):
    kind: Literal["text"] = "text"
    question: str = Field(description="Judged from retrieved chart sentences by the LLM")


Check = Annotated[
    AgeCheck | SexCheck | DiagnosisCheck | MedicationCheck | LabCheck | TextCheck, Field(discriminator="kind")
]


class CompiledCriterion(_Model):
    checks: list[Check] = Field(min_length=1)
    combine: Literal["all", "any"] = "all"
    negated: bool = Field(default=False, description="The criterion holds when the checks do NOT hold")
    require: list[Check] = Field(
        default_factory=list,
        description='Qualifiers of the subject that must hold too, never negated ("…の女性", "40歳以上の…")',
    )
    source: CompileSource = "rule"
    text: str | None = Field(default=None, description="The criterion text this was compiled from")
    notes: list[str] = Field(default_factory=list, description="What the compiler did not understand")


class TrialCriterion(_Model):
    id: str = Field(min_length=1, max_length=100)
    type: CriterionType
    text: str = Field(min_length=1, max_length=2000)
    compiled: CompiledCriterion | None = None


class Trial(_Model):
    id: str = Field(min_length=1, max_length=200)
    title: str = ""
    screening_date: dt.date | None = Field(default=None, description="Default date criteria are judged on")
    criteria: list[TrialCriterion] = Field(min_length=1)

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, value: list[TrialCriterion]) -> list[TrialCriterion]:
        seen: set[str] = set()
        for c in value:
            if c.id in seen:
                raise ValueError(f"基準 ID {c.id!r} が重複しています (duplicate criterion id)")
            seen.add(c.id)
        return value

    def is_compiled(self) -> bool:
        return all(c.compiled is not None for c in self.criteria)


# ---------------------------------------------------------------- results


class EvidenceItem(BaseModel):
    """Why a criterion has its status: a span of a note (ORIGINAL offsets) or a structured record."""

    start: int | None = Field(default=None, ge=0, description="Start in the note text (null: a record)")
    end: int | None = Field(default=None, ge=0)
    text: str
    document_id: str | None = None
    kind: EvidenceKind = "note"
    record: str | None = Field(default=None, description='Structured source, e.g. "Condition/P0001-cond-1"')
    mention_start: int | None = Field(default=None, ge=0, description="The term itself inside the sentence")
    mention_end: int | None = Field(default=None, ge=0)


class CheckOutcome(BaseModel):
    status: Status
    score: float = Field(ge=0.0, le=1.0, description="Confidence in the status (uncalibrated)")
    evidence: list[EvidenceItem] = Field(default_factory=list)
    rationale: str
    source: Literal["rule", "llm", "none"] = "rule"


class CriterionResult(BaseModel):
    id: str
    type: CriterionType
    text: str
    status: Status
    score: float = Field(ge=0.0, le=1.0)
    evidence: list[EvidenceItem] = Field(default_factory=list)
    rationale: str
    source: Literal["rule", "llm", "none"] = "rule"


class ScreenResult(BaseModel):
    patient_id: str
    trial_id: str
    screening_date: dt.date
    eligible: Eligibility
    score: float = Field(ge=0.0, le=1.0, description="Likelihood of eligibility for ranking (uncalibrated)")
    criteria: list[CriterionResult]
    llm_calls: int = 0
    llm_needed: bool = Field(default=False, description="Free-text criteria could decide eligibility")
    notes: list[str] = Field(default_factory=list)
