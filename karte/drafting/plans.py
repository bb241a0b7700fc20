"""Section plans per document type, read from ``resources/ja/plans.yaml`` (data, not code)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from karte.errors import ConfigError, InputError

CLINS_SECTIONS = "http://jpfhir.jp/fhir/clins/CodeSystem/document-section"
FillRule = Literal[
    "period",
    "reason",
    "diagnoses",
    "admission_findings",
    "course",
    "latest_status",
    "current_medications",
    "plan",
    "allergies",
    "referral_purpose",
    "history",
    "symptoms",
    "results",
    "remarks",
    "advice_conditions",
    "advice_plan",
    "advice_medicines",
    "advice_daily_life",
    "advice_urgent",
]


class FhirCode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str = CLINS_SECTIONS
    code: str
    display: str


class SectionPlan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z_]+$")
    title: str
    required: bool
    fill: FillRule
    llm: bool
    max: int = Field(ge=1)
    fhir: FhirCode
    empty: str


class DocumentPlan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    type: FhirCode
    src: list[str]
    sections: list[SectionPlan] = Field(min_length=1)

    def section(self, code: str) -> SectionPlan:
        for s in self.sections:
            if s.code == code:
                return s
        raise InputError(
            f"セクション {code!r} はこの文書にありません。"
            f"利用可能: {', '.join(s.code for s in self.sections)} "
            "(no such section in this document type)",
            field="sections",
        )


@lru_cache(maxsize=4)
def _plans(lang: str) -> dict[str, DocumentPlan]:
    ref = resources.files("karte.drafting").joinpath("resources", lang, "plans.yaml")
    data = yaml.safe_load(ref.read_text(encoding="utf-8"))
    sources = data.pop("sources")
    plans: dict[str, DocumentPlan] = {}
    for name, raw in data.items():
        try:
            plan = DocumentPlan.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(
                f"文書計画 {name} が不正です (invalid section plan in plans.yaml): {exc}", field="plans.yaml"
            ) from exc
        unknown = [s for s in plan.src if s not in sources]
        if unknown:
            raise ConfigError(f"文書計画 {name} の出典 {unknown} が sources にありません (unknown source)")
        plans[name] = plan
    return plans


def load_plan(document_type: str, lang: str = "ja") -> DocumentPlan:
    plans = _plans(lang)
    if document_type not in plans:
        raise InputError(
            f"文書の種類 {document_type!r} は作成できません。利用可能: {', '.join(plans)} "
            "(unknown document type)",
            field="document_type",
        )
    return plans[document_type]
