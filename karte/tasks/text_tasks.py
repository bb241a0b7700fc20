"""First tasks, proving the path end to end: ``sections`` and ``normalize``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field

from karte.evidence import Evidence, Span
from karte.tasks.context import TaskContext
from karte.tasks.inputs import NoteInput
from karte.tasks.registry import TaskOutput, task
from karte.text import normalize, sectionize

KNOWN_HEADING_SCORE = 0.95
UNKNOWN_HEADING_SCORE = 0.6
PREAMBLE_SCORE = 0.5


class SectionResult(BaseModel):
    name: str = Field(description="Canonical name (diagnosis, present_illness …, other, preamble)")
    title: str = Field(description="Heading as written")
    start: int
    end: int
    body_start: int
    body_end: int
    text: str = Field(description="The body text, original[body_start:body_end]")
    score: float
    evidence: Evidence


class SectionsOutput(TaskOutput):
    document_id: str | None = None
    sections: list[SectionResult]


class NormalizationChange(BaseModel):
    start: int = Field(description="Start in the original text")
    end: int = Field(description="End in the original text")
    original: str
    normalized_start: int
    normalized_end: int
    normalized: str


class NormalizeOutput(TaskOutput):
    document_id: str | None = None
    text: str = Field(description="Normalised text")
    changes: list[NormalizationChange] = Field(
        description="Units whose length changed; elsewhere offsets map one to one"
    )


def _documents_in_store(ctx: TaskContext) -> Iterator[dict[str, Any]]:
    for doc in ctx.store.iter_documents():
        yield {"id": doc.id, "document_id": doc.id}


@task(
    "sections",
    input=NoteInput,
    output=SectionsOutput,
    summary="見出しで文書をセクションに分割 (split a note into sections by its headings)",
    demo_inputs=_documents_in_store,
)
def sections_task(inp: NoteInput, ctx: TaskContext) -> SectionsOutput:
    text = inp.resolve_text(ctx)
    results = []
    for s in sectionize(text):
        if s.name == "preamble":
            score, why = PREAMBLE_SCORE, "最初の見出しより前の本文 (text before the first heading)"
        elif s.name == "other":
            score, why = (
                UNKNOWN_HEADING_SCORE,
                f"未登録の見出し「{s.title}」 (heading not in the synonym table)",
            )
        else:
            score, why = KNOWN_HEADING_SCORE, f"見出し「{s.title}」→ {s.name} (heading synonym table)"
        heading = Span.of(text, s.start, s.body_start, document_id=inp.document_id, section=s.name)
        results.append(
            SectionResult(
                **s.model_dump(),
                text=text[s.body_start : s.body_end],
                score=score,
                evidence=Evidence(spans=[heading], rationale=why, source="rule", score=score),
            )
        )
    return SectionsOutput(id=inp.id, document_id=inp.document_id, sections=results)


@task(
    "normalize",
    input=NoteInput,
    output=NormalizeOutput,
    summary="文字の正規化と元テキストへの位置対応 (normalise text, keeping the offset map)",
    demo_inputs=_documents_in_store,
)
def normalize_task(inp: NoteInput, ctx: TaskContext) -> NormalizeOutput:
    nt = normalize(inp.resolve_text(ctx))
    changes = [
        NormalizationChange(
            start=os_,
            end=oe,
            original=nt.original[os_:oe],
            normalized_start=ns,
            normalized_end=ne,
            normalized=nt.text[ns:ne],
        )
        for os_, oe, ns, ne in nt.changes()
    ]
    return NormalizeOutput(id=inp.id, document_id=inp.document_id, text=nt.text, changes=changes)
