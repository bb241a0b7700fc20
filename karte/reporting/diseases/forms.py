"""Fields of the 発生届 forms (``resources/ja/notify_forms.yaml``) as typed objects."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from karte.reporting.resources import load_resource

FillMethod = Literal[
    "none",
    "case_type",
    "criteria",
    "criterion",
    "symptoms",
    "sex",
    "age",
    "occupation",
    "record.name",
    "record.birth_date",
    "date.first_visit",
    "date.diagnosis",
    "date.onset",
    "date.infection",
    "date.death",
    "route",
    "region",
    "pattern",
    "terms",
    "lab_result",
]


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    terms: list[str]
    all_of: list[list[str]] = Field(
        default_factory=list, description="Each group must be present (VT1 and VT2)"
    )


class FormField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    label: str
    type: Literal["string", "date", "integer", "choice", "boolean"] = "string"
    required: bool = False
    multiple: bool = False
    identity: bool = Field(
        default=False, description="Only on 1類–4類, 新型インフルエンザ等, 指定感染症 forms"
    )
    fill: FillMethod = "none"
    link: dict[str, str] = Field(default_factory=dict, description="form id → linkId in a real Questionnaire")
    pattern: str | None = None
    choices: list[Choice] = Field(default_factory=list)
    method: str | None = None
    targets: list[str] = Field(default_factory=list)
    criterion: str | None = None

    def link_id(self, form: str) -> str:
        return self.link.get(form, f"karte.{self.key}")


class Forms(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    valid_from: str
    questionnaire_base: str
    common: list[FormField]
    forms: dict[str, list[FormField]]
    default_form: str
    physician_only: list[str]

    def fields(self, form: str | None, with_identity: bool) -> list[FormField]:
        name = form or self.default_form
        common = [f for f in self.common if with_identity or not f.identity]
        return [*common, *self.forms.get(name, [])]


@lru_cache(maxsize=1)
def load_forms() -> Forms:
    return Forms.model_validate(load_resource("ja", "notify_forms.yaml"))


def form_has_identity(category: str) -> bool:
    """氏名・住所 are asked on the forms of 1類–4類, 新型インフルエンザ等 and 指定感染症 (not 5類)."""
    return category != "5類"
