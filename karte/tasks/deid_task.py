"""Task ``deid``: find personal information in a note and mask, pseudonymise, shift or hash it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field

from karte.deid import Deidentifier, DeidPolicy, KnownIdentifiers
from karte.deid.types import Explanation, PiiType
from karte.errors import KarteError, NotFoundError
from karte.tasks.context import TaskContext
from karte.tasks.inputs import NoteInput
from karte.tasks.registry import TaskOutput, task

OperatorName = Literal["mask", "pseudonymize", "shift-dates", "hash"]


class DeidInput(NoteInput):
    patient_id: str | None = Field(
        default=None, description="Patient id: pseudonyms and date shifts are consistent across its notes"
    )
    operator: OperatorName = Field(default="mask", description="mask | pseudonymize | shift-dates | hash")
    mapping: bool = Field(default=False, description="Also return the encrypted re-identification mapping")
    all_ages: bool = Field(default=False, description="Treat every age as identifying (default: ages >= 90)")
    llm: bool = Field(default=False, description="Let the LLM choose among the rules' unsure name candidates")


class DeidSpan(BaseModel):
    start: int = Field(description="Start in the original text")
    end: int
    type: PiiType
    text: str
    score: float
    explanation: Explanation


class DeidOutput(TaskOutput):
    document_id: str | None = None
    patient_id: str | None = None
    operator: OperatorName
    text: str = Field(description="The de-identified text")
    spans: list[DeidSpan] = Field(description="What was found, with offsets into the ORIGINAL text")
    mapping: str | None = Field(default=None, description="Fernet token: original ↔ replacement per span")
    notices: list[str] = Field(default_factory=list)


def _deidentifier(ctx: TaskContext, all_ages: bool) -> Deidentifier:
    policy = DeidPolicy(age_threshold=None if all_ages else 90)
    key = f"deid.engine:{'all' if all_ages else 'over89'}"
    return ctx.resource(key, lambda: Deidentifier(ctx.settings, policy))


def _known(ctx: TaskContext, patient_id: str) -> KnownIdentifiers | None:
    """Name, reading and identifiers of the patient, when the store has them."""

    def build() -> KnownIdentifiers | None:
        try:
            record = ctx.store.get_patient_record(patient_id)
        except NotFoundError:
            return None
        names = [n for n in (record.name, record.name_kana) if n]
        return KnownIdentifiers(patient_names=names, ids=list(record.identifiers.values()))

    return ctx.resource(f"deid.known:{patient_id}", build)


def _stored_documents(ctx: TaskContext) -> Iterator[dict[str, Any]]:
    for doc in ctx.store.iter_documents():
        yield {"id": doc.id, "document_id": doc.id}


@task(
    "deid",
    input=DeidInput,
    output=DeidOutput,
    summary="個人情報の検出と匿名化・仮名化 (find and mask or pseudonymise personal information)",
    demo_inputs=_stored_documents,
)
def deid_task(inp: DeidInput, ctx: TaskContext) -> DeidOutput:
    text = inp.resolve_text(ctx)
    patient_id = inp.patient_id
    if patient_id is None and inp.document_id is not None:
        patient_id = ctx.store.get_document(inp.document_id).patient_id
    known = None
    if patient_id is not None:
        try:
            known = _known(ctx, patient_id)
        except KarteError:
            known = None  # the store is optional here: the patient id may only key the pseudonyms
    engine = _deidentifier(ctx, inp.all_ages)
    extra = None
    if inp.llm:
        from karte.deid.llm_pass import llm_name_pass
        from karte.llm import make_client

        client = ctx.resource("llm.client", lambda: make_client(ctx.settings))
        extra = llm_name_pass(engine.detector, client, text, engine.detect(text, known))
    result = engine.run(
        text,
        operator=inp.operator,
        document_key=str(inp.document_id or inp.id),
        patient_id=patient_id,
        known=known,
        with_mapping=inp.mapping,
        extra=extra,
    )
    return DeidOutput(
        id=inp.id,
        document_id=inp.document_id,
        patient_id=patient_id,
        operator=inp.operator,
        text=result.text,
        spans=[DeidSpan(**s.model_dump()) for s in result.spans],
        mapping=result.mapping,
        notices=result.notices,
    )
