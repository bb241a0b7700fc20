"""The notification draft: whether to notify, what, by when, the criteria met and the form with evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from karte.evidence import Evidence, Span

FieldScalar = str | int | bool
DRAFT_NOTE = (
    "下書き: 医師が内容を確認・修正し、届出の要否を判断してください "
    "(draft for physician review; not a diagnosis)"
)


class CriterionMet(BaseModel):
    id: str
    label: str = Field(description="届出基準の検査方法・所見")
    evidence: Evidence


class FieldValue(BaseModel):
    label: str
    value: FieldScalar | list[str]
    evidence: Evidence


class MissingField(BaseModel):
    field: str
    label: str
    required: bool
    reason: str = Field(description="Why the draft leaves it to the physician")


class ConsideredMention(BaseModel):
    name: str
    reason: str
    evidence: list[Span] = Field(default_factory=list)


class Notification(BaseModel):
    notifiable: bool = Field(description="A 発生届 is due (全数把握 disease, case meets the reporting rules)")
    status: str = Field(
        description="confirmed | lab_confirmed | unconfirmed | suspected | sentinel | not_reportable | none"
    )
    disease: str | None = None
    disease_id: str | None = None
    category: str | None = Field(
        default=None, description="1類 … 5類, 新型インフルエンザ等感染症, 指定感染症"
    )
    reporting: str | None = Field(default=None, description="全数 | 定点")
    deadline: str | None = Field(default=None, description="直ちに | 7日以内 | (定点) 翌週 …")
    case_type: str | None = Field(
        default=None, description="患者（確定例）, 無症状病原体保有者, 疑似症患者 …"
    )
    criteria_met: list[CriterionMet] = Field(default_factory=list)
    form: dict[str, FieldValue] = Field(default_factory=dict)
    missing: list[MissingField] = Field(default_factory=list)
    reason: str = ""
    legal_source: str | None = None
    valid_from: dt.date | None = None
    questionnaire_response: dict[str, Any] | None = Field(
        default=None, description="FHIR R4B QuestionnaireResponse"
    )
    html: str | None = Field(default=None, description="Printable HTML form (Japanese), marked 下書き")


class NotifyResult(Notification):
    others: list[Notification] = Field(default_factory=list, description="Further diseases in the same notes")
    considered: list[ConsideredMention] = Field(
        default_factory=list, description="Mentions that do not notify, and why"
    )
    as_of: dt.date
    table: str = Field(description="Version and origin of the notifiable-disease table")
    review: str = DRAFT_NOTE
