"""Task ``notify``: a note, a stored document or all notes of a stored patient → 発生届 draft (感染症法)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from karte.errors import KarteError
from karte.records.models import Patient
from karte.records.text_checks import check_text
from karte.reporting.diseases.table import load_table
from karte.reporting.notify.pipeline import NoteSource, NotifyEngine
from karte.reporting.notify.result import NotifyResult
from karte.tasks.context import TaskContext
from karte.tasks.registry import TaskInput, TaskOutput, task

DEMO_PATIENTS = 3
Format = Literal["fhir", "html"]
FORMATS: tuple[Format, ...] = ("fhir", "html")


class NotifyInput(TaskInput):
    """``{"id", "text"}``, ``{"id", "document_id"}`` or ``{"id", "patient_id"}`` (all their notes)."""

    text: str | None = Field(default=None, description="The note text (UTF-8)")
    document_id: str | None = Field(default=None, description="Id of a document in the store")
    patient_id: str | None = Field(
        default=None, description="Id of a stored patient: all their documents are read"
    )
    date: dt.date | None = Field(
        default=None,
        description="基準日 (ISO date) for the table and relative dates; default: latest note date or today",
    )
    formats: list[Format] = Field(
        default_factory=lambda: list(FORMATS),
        description="Also return a FHIR QuestionnaireResponse and/or printable HTML",
    )

    @field_validator("text")
    @classmethod
    def _text_ok(cls, value: str | None) -> str | None:
        return None if value is None else check_text(value)

    @model_validator(mode="after")
    def _one_source(self) -> NotifyInput:
        given = [k for k in ("text", "document_id", "patient_id") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "text・document_id・patient_id のいずれか一つを指定してください "
                "(give exactly one of text, document_id, patient_id)"
            )
        return self


class NotifyOutput(TaskOutput, NotifyResult):
    """``{"id","notifiable","disease","category","reporting","deadline","criteria_met","form","missing",…}``."""


def notify_engine(ctx: TaskContext) -> NotifyEngine:
    def build() -> NotifyEngine:
        from karte.extract.pipeline import default_extractor

        extractor = ctx.resource("extract.extractor", default_extractor)
        return NotifyEngine(load_table(ctx.settings), extractor)

    return ctx.resource("reporting.notify_engine", build)


def _sources(inp: NotifyInput, ctx: TaskContext) -> tuple[list[NoteSource], Patient | None]:
    if inp.text is not None:
        return [NoteSource(inp.text, None, inp.date)], None
    try:
        if inp.document_id is not None:
            doc = ctx.store.get_document(inp.document_id)
            patient = ctx.store.get_patient_record(doc.patient_id).patient() if doc.patient_id else None
            return [NoteSource(doc.text, doc.id, doc.datetime.date() if doc.datetime else None)], patient
        assert inp.patient_id is not None
        record = ctx.store.get_patient_record(inp.patient_id)
    except KarteError as exc:
        exc.field = exc.field or ("document_id" if inp.document_id is not None else "patient_id")
        raise
    docs = sorted(record.documents, key=lambda d: (d.datetime is None, d.datetime or dt.datetime.min, d.id))
    return [
        NoteSource(d.text, d.id, d.datetime.date() if d.datetime else None) for d in docs
    ], record.patient()


def _demo(ctx: TaskContext) -> Iterator[dict[str, Any]]:
    for pid in ctx.store.patient_ids()[:DEMO_PATIENTS]:
        yield {"id": pid, "patient_id": pid, "formats": []}


@task(
    "notify",
    input=NotifyInput,
    output=NotifyOutput,
    summary="感染症法の発生届の下書き（届出要否・類型・期限・様式項目） (notifiable-disease report draft)",
    demo_inputs=_demo,
)
def notify_task(inp: NotifyInput, ctx: TaskContext) -> NotifyOutput:
    sources, patient = _sources(inp, ctx)
    dates = [s.date for s in sources if s.date is not None]
    day = inp.date or (max(dates) if dates else dt.date.today())
    result = notify_engine(ctx).run(sources, day, patient, tuple(inp.formats))
    return NotifyOutput(id=inp.id, **result.model_dump())
