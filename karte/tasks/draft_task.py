"""Task ``draft``: a discharge summary, referral letter or patient advice drafted from the chart.

Input: ``{"id", "document_type", "patient": {…}, "documents": [{"id", "type", "date", "text"}], "to": {…}}``
or, for a stored patient, ``{"id", "document_type", "patient_id": "D001"}``. Output: the sections with
their sentences, every sentence citing ``{"document", "start", "end"}`` spans of the sources (the notes,
renderings of the structured chart, knowledge-base passages; returned under ``sources``), the guard's
findings, warnings and a FHIR R4B document Bundle. Always a draft for clinician review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from karte.drafting.models import DRAFT_NOTICE, Draft, DraftSection, Fact, SourceDocument
from karte.drafting.pipeline import DraftOptions, Recipient
from karte.drafting.service import make_drafter
from karte.errors import KarteError
from karte.llm import LLMAudit
from karte.records.models import Document, PatientRecord, Sex
from karte.records.text_checks import check_text
from karte.tasks.context import TaskContext
from karte.tasks.registry import TaskInput, TaskOutput, task

DEMO_PATIENTS = 3


class DraftPatient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, min_length=1, max_length=200)
    name: str | None = None
    birth_date: dt.date | None = None
    age: int | None = Field(default=None, ge=0, le=130)
    sex: Sex = "unknown"


class DraftDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    type: str = Field(default="経過記録", description="入院時記録, 経過記録, 検査結果, 退院時サマリー …")
    date: dt.datetime | dt.date | None = Field(default=None, description="記載日時 (ISO 8601)")
    title: str | None = None
    text: str

    @field_validator("text")
    @classmethod
    def _text_ok(cls, value: str) -> str:
        return check_text(value)


class DraftInput(TaskInput):
    document_type: Literal["discharge_summary", "referral_letter", "patient_advice"]
    patient: DraftPatient | None = Field(default=None, description="患者 (with documents)")
    documents: list[DraftDocument] | None = Field(default=None, description="カルテ文書 (chart notes)")
    patient_id: str | None = Field(
        default=None, description="保存済み患者の ID (instead of patient and documents)"
    )
    to: Recipient | None = Field(
        default=None, description="紹介先と紹介目的 (referral recipient and purpose)"
    )
    mode: Literal["auto", "extractive", "llm"] = Field(
        default="auto", description="auto: LLM があれば使う / extractive: LLM なし / llm: LLM 必須"
    )
    sections: list[str] | None = Field(default=None, description="作成するセクションのコード (default: all)")
    on_unsupported: Literal["flag", "remove"] = Field(
        default="flag", description="根拠のない記述: flag（印を付けて残す）| remove（削除）"
    )
    exclude_document_types: list[str] = Field(default_factory=list, description="使わない文書の種類")
    until: dt.date | None = Field(default=None, description="この日より後の文書は使わない")
    include_sources: bool = Field(default=True, description="出典の本文を出力に含める")

    @model_validator(mode="after")
    def _one_source(self) -> DraftInput:
        if self.patient_id is not None and (self.documents is not None or self.patient is not None):
            raise ValueError(
                "patient_id と patient/documents は同時に指定できません "
                "(give patient_id or patient+documents)"
            )
        if self.patient_id is None and not self.documents:
            raise ValueError(
                "documents（1件以上）か patient_id が必要です (give documents or a stored patient_id)"
            )
        ids = [d.id for d in self.documents or []]
        if len(ids) != len(set(ids)):
            raise ValueError("documents の id が重複しています (duplicate document ids)")
        return self

    def options(self) -> DraftOptions:
        return DraftOptions(
            document_type=self.document_type,
            mode=self.mode,
            sections=self.sections,
            on_unsupported=self.on_unsupported,
            recipient=self.to,
            exclude_document_types=self.exclude_document_types,
            until=self.until,
        )


class DraftOutput(TaskOutput):
    document_type: str
    title: str
    status: Literal["preliminary"] = "preliminary"
    review_required: Literal[True] = True
    notice: str = DRAFT_NOTICE
    mode: Literal["extractive", "llm"]
    patient_id: str | None = None
    sections: list[DraftSection]
    warnings: list[str]
    facts: list[Fact]
    notes_used: list[str]
    sources: list[SourceDocument] = Field(default_factory=list, description="Texts the citations point into")
    fhir: dict[str, Any] = Field(description="FHIR R4B document Bundle (Composition status preliminary)")
    llm: list[LLMAudit] = Field(default_factory=list)
    created: dt.datetime

    def draft(self) -> Draft:
        return Draft(
            document_type=self.document_type,
            title=self.title,
            patient_id=self.patient_id,
            mode=self.mode,
            sections=self.sections,
            facts=self.facts,
            warnings=self.warnings,
            created=self.created,
        )


def record_of(inp: DraftInput, ctx: TaskContext) -> PatientRecord:
    """The patient record to draft from: the stored one, or one made of the given documents."""
    if inp.patient_id is not None:
        try:
            return ctx.store.get_patient_record(inp.patient_id)
        except KarteError as exc:
            exc.field = exc.field or "patient_id"
            raise
    patient = inp.patient or DraftPatient()
    pid = patient.id or str(inp.id)
    docs = [
        Document(
            id=d.id,
            patient_id=pid,
            type=d.type,
            datetime=d.date
            if isinstance(d.date, dt.datetime) or d.date is None
            else dt.datetime.combine(d.date, dt.time()),
            title=d.title,
            text=d.text,
        )
        for d in inp.documents or []
    ]
    return PatientRecord(
        id=pid,
        name=patient.name,
        birth_date=patient.birth_date,
        age=patient.age,
        sex=patient.sex,
        documents=docs,
    )


def _demo_inputs(ctx: TaskContext) -> Iterator[dict[str, Any]]:
    for pid in ctx.store.patient_ids()[:DEMO_PATIENTS]:
        for document_type in ("discharge_summary", "referral_letter", "patient_advice"):
            item: dict[str, Any] = {
                "id": f"{pid}-{document_type}",
                "patient_id": pid,
                "document_type": document_type,
                "mode": "extractive",
            }
            if document_type == "discharge_summary":
                item["exclude_document_types"] = ["退院時サマリー"]
            yield item


@task(
    "draft",
    input=DraftInput,
    output=DraftOutput,
    summary="退院時サマリー・診療情報提供書・療養上のアドバイスの下書き（出典付き） "
    "(draft clinical documents with citations)",
    demo_inputs=_demo_inputs,
)
def draft_task(inp: DraftInput, ctx: TaskContext) -> DraftOutput:
    record = record_of(inp, ctx)
    drafter = make_drafter(ctx.settings, ctx.resource)
    result = drafter.draft(record, inp.options())
    d = result.draft
    return DraftOutput(
        id=inp.id,
        document_type=d.document_type,
        title=d.title,
        mode=d.mode,
        patient_id=d.patient_id,
        sections=d.sections,
        warnings=d.warnings,
        facts=d.facts,
        notes_used=result.notes_used,
        sources=list(result.sources.values()) if inp.include_sources else [],
        fhir=result.fhir,
        llm=result.llm,
        created=d.created,
    )
