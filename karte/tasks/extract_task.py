"""Task ``extract``: clinical entities (MedTxt schema) with certainty, state and evidence."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field

from karte.evidence import Evidence, Span
from karte.extract.llm_review import review_note
from karte.extract.pipeline import Extractor, default_extractor
from karte.extract.schema import Mention
from karte.llm import LLMClient, make_client
from karte.tasks.context import TaskContext
from karte.tasks.inputs import NoteInput
from karte.tasks.registry import TaskOutput, task

_ATTRIBUTE_NAMES = {"certainty": "確信度 (certainty)", "state": "実施状態 (state)"}


class ExtractedEntity(BaseModel):
    start: int = Field(description="Start in the original text")
    end: int = Field(description="End in the original text (exclusive)")
    text: str = Field(description="original[start:end]")
    type: str = Field(
        description="disease, anatomy, feature, change, time, test, test_key, test_value, "
        "medication, medication_value, remedy, clinical_context, pending"
    )
    certainty: str | None = Field(
        default=None, description="disease: positive | negative | suspicious | general"
    )
    state: str | None = Field(
        default=None, description="test, medication, remedy: executed | negated | scheduled | other"
    )
    historical: bool | None = Field(default=None, description="disease: a past illness (既往)")
    family: bool | None = Field(default=None, description="disease: about a relative (家族歴)")
    section: str | None = Field(default=None, description="Canonical name of the section it is in")
    score: float = Field(ge=0.0, le=1.0, description="Confidence of the span and type")
    evidence: list[Evidence] = Field(
        description="How it was found (model or dictionary) and, for attributes, the rule triggers"
    )


class ExtractInput(NoteInput):
    """One note (``text`` or ``document_id``), optionally with the LLM review of unsure certainties."""

    llm: bool = Field(
        default=False,
        description="確信度の低い所見を LLM で見直す (review low-confidence certainties with the LLM)",
    )


class ExtractOutput(TaskOutput):
    document_id: str | None = None
    entities: list[ExtractedEntity]


def _documents_in_store(ctx: TaskContext) -> Iterator[dict[str, Any]]:
    for doc in ctx.store.iter_documents():
        yield {"id": doc.id, "document_id": doc.id}


def entity_of(m: Mention, text: str, section: str | None, document_id: str | None) -> ExtractedEntity:
    span = Span.of(text, m.start, m.end, document_id=document_id, section=section)
    detection = Evidence(
        spans=[span],
        rationale=(
            f"辞書一致 (dictionary): {m.detail}"
            if m.component == "dictionary"
            else f"学習済みモデル (trained model): {m.detail}"
        ),
        source=m.component,
        score=m.score,
    )
    evidence = [detection]
    attribute = "certainty" if m.certainty is not None else ("state" if m.state is not None else None)
    if attribute is not None and m.attribute_source is not None:
        triggers = [Span.of(text, s, e, document_id=document_id, section=section) for s, e, _ in m.triggers]
        evidence.append(
            Evidence(
                spans=triggers,
                rationale=f"{_ATTRIBUTE_NAMES[attribute]}: {m.attribute_rationale}",
                source=m.attribute_source,
                score=m.attribute_score if m.attribute_score is not None else 0.5,
            )
        )
    is_disease = m.type == "disease"
    return ExtractedEntity(
        start=m.start,
        end=m.end,
        text=text[m.start : m.end],
        type=m.type,
        certainty=m.certainty,
        state=m.state,
        historical=m.historical if is_disease else None,
        family=m.family if is_disease else None,
        section=section,
        score=m.score,
        evidence=evidence,
    )


def extract_entities(
    extractor: Extractor, text: str, document_id: str | None = None, llm: LLMClient | None = None
) -> list[ExtractedEntity]:
    note = extractor.extract(text)
    if llm is not None:
        review_note(note, llm)
    return [entity_of(m, text, note.section_of(m), document_id) for m in note.mentions]


@task(
    "extract",
    input=ExtractInput,
    output=ExtractOutput,
    summary="病名・症状・検査・薬剤などの抽出と否定・疑いの判定 (clinical entities with certainty)",
    demo_inputs=_documents_in_store,
)
def extract_task(inp: ExtractInput, ctx: TaskContext) -> ExtractOutput:
    text = inp.resolve_text(ctx)
    extractor = ctx.resource("extract.extractor", default_extractor)
    llm = ctx.resource("llm.client", lambda: make_client(ctx.settings)) if inp.llm else None
    entities = extract_entities(extractor, text, inp.document_id, llm)
    return ExtractOutput(id=inp.id, document_id=inp.document_id, entities=entities)
