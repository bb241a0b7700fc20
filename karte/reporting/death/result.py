"""The coded certificate: lines, underlying cause, external cause, with evidence.

Spans point into the certificate's own fields: ``Span.section`` names the field (``causes.Ia``,
``external.circumstance`` …) and ``start``/``end`` are offsets in that field's text as given.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from karte.evidence import Evidence


class CodedLine(BaseModel):
    line: str = Field(description="Ia, Ib, Ic, Id (I欄 ア–エ) or II")
    position: int = Field(description="Order on the line (0 = first)")
    text: str = Field(description="The condition as written")
    icd10: str | None = Field(description="ICD-10 code (loaded table), or null when nothing fits")
    icd11: str | None = Field(default=None, description="ICD-11 code (WHO ICD-10→ICD-11 map, loaded table)")
    display: str | None = Field(default=None, description="ICD-10 title (Japanese)")
    method: str = Field(description="curated | dictionary | variant | external | search | none")
    interval: str | None = Field(default=None, description="発病から死亡までの期間 as written")
    interval_days: float | None = None
    derived: bool = Field(default=False, description="Split from 「AによるB」 written on one line")
    score: float = Field(ge=0.0, le=1.0)
    evidence: Evidence


class RuleStep(BaseModel):
    rule: str = Field(description="GP, Rule 1, Rule 2, Rule 3, Rule A–F, external cause")
    icd10: str | None
    explanation: str


class UnderlyingCause(BaseModel):
    icd10: str | None = Field(description="原死因 ICD-10 code")
    icd11: str | None = Field(default=None, description="原死因 ICD-11 code")
    display: str | None = None
    rule: str | None = Field(default=None, description="The rule that made the final selection")
    line: str | None = Field(default=None, description="The line of the selected condition (Ia … II)")
    text: str | None = Field(default=None, description="The selected condition as written")
    steps: list[RuleStep] = Field(default_factory=list)
    score: float = Field(default=0.0, ge=0.0, le=1.0)


class PlaceOfOccurrence(BaseModel):
    code: str = Field(description="ICD-10 place-of-occurrence character 0–9 (W00–Y34)")
    label: str
    label_en: str
    icd11: str | None = Field(
        default=None, description="ICD-11 type-of-place extension, when in the loaded table"
    )


class ExternalCause(BaseModel):
    icd10: str = Field(description="ICD-10 chapter XX code (V01–Y98)")
    icd11: str | None = Field(
        default=None, description="ICD-11 chapter 23 code (cluster with extensions when known)"
    )
    display: str | None = None
    intent: str = Field(description="accident | suicide | assault | undetermined")
    mechanism: str = Field(description="Mechanism row id (external_causes.yaml) or transport")
    label: str = Field(description="Mechanism in Japanese")
    place: PlaceOfOccurrence | None = Field(default=None, description="Place of occurrence (W00–Y34 only)")
    icd11_note: str | None = None
    score: float = Field(ge=0.0, le=1.0)
    evidence: Evidence


class MannerOut(BaseModel):
    code: int | None
    label: str
    intent: str


class DeathCodeResult(BaseModel):
    underlying: UnderlyingCause
    external_cause: ExternalCause | None = None
    lines: list[CodedLine] = Field(default_factory=list)
    manner: MannerOut | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    review: str = Field(
        default=(
            "コーディング案です。人口動態調査の原死因は担当者が確認してください "
            "(draft for a trained coder's review)"
        )
    )
