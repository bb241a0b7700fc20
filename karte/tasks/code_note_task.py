"""Task ``code-note``: a whole note → its disease and lab mentions, each with codes.

Composition at task level: the ``extract`` task finds the mentions (with certainty, section and
evidence); each ``disease`` mention is coded with the ``code`` task's coder (ICD-10 and/or ICD-11)
and each ``test_key`` mention with the ``lab-map`` coder (JLAC10). When the ``extract`` task is not
installed or cannot run (its model missing), a documented fallback finds disease mentions by
longest match against the MEDIS
standard disease names and ICD-10 index words (no certainty; marked as the fallback).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field

from karte.errors import KarteError, NotFoundError
from karte.evidence import Evidence, Span
from karte.tasks.code_task import CodeResult, code_phrase
from karte.tasks.context import TaskContext
from karte.tasks.inputs import NoteInput
from karte.tasks.registry import TaskOutput, get_task, task
from karte.terminology.keys import keyed
from karte.terminology.registry import get_code_system

NoteSystem = Literal["icd10", "icd11", "jlac"]
FALLBACK_SCORE = 0.6
_FALLBACK_SOURCES = {"standard", "index"}
_MIN_KEY = 3


class CodeNoteInput(NoteInput):
    systems: list[NoteSystem] = Field(
        default=["icd10", "jlac"], description="icd10, icd11 (diseases), jlac (tests)"
    )


class CodedMention(BaseModel):
    start: int
    end: int
    text: str
    type: str = Field(description="disease | test_key")
    certainty: str | None = None
    section: str | None = None
    score: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence]
    codes: list[CodeResult]


class CodeNoteOutput(TaskOutput):
    document_id: str | None = None
    extractor: str = Field(description="extract (the extract task) | fallback (dictionary scan)")
    extractor_note: str | None = Field(default=None, description="Why the fallback was used")
    mentions: list[CodedMention]


def _extracted(
    inp: CodeNoteInput, text: str, ctx: TaskContext
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The ``extract`` task's entities, or None (and why) when it is not installed or not usable."""
    try:
        spec = get_task("extract")
    except NotFoundError:
        return None, "extract タスクがありません (extract task not installed)"
    note = spec.input.model_validate({"id": inp.id, "text": text})
    try:
        out = spec.func(note, ctx).model_dump(mode="json")
    except KarteError as exc:
        if exc.type in ("model_missing", "config_error"):
            return None, f"extract が使えません: {exc.message} (extract unavailable)"
        raise
    entities: list[dict[str, Any]] = out.get("entities", [])
    return entities, None


def _fallback(text: str, document_id: str | None, ctx: TaskContext) -> list[dict[str, Any]]:
    """Longest non-overlapping matches of MEDIS names / index words (at least 3 key characters)."""
    icd10 = ctx.resource("terminology.icd10", lambda: get_code_system("icd10", ctx.settings))
    kd = keyed(text)
    matches = [
        m
        for m in icd10.lexicon.substrings(kd.key, _MIN_KEY)
        if any(e.source in _FALLBACK_SOURCES for e in m.entries)
    ]
    matches.sort(key=lambda m: (-(m.end - m.start), m.start))
    taken = [False] * len(kd.key)
    found: list[dict[str, Any]] = []
    for m in matches:
        if any(taken[m.start : m.end]):
            continue
        for i in range(m.start, m.end):
            taken[i] = True
        s, e = kd.span(m.start, m.end)
        span = Span.of(text, s, e, document_id=document_id)
        found.append(
            {
                "start": s,
                "end": e,
                "text": text[s:e],
                "type": "disease",
                "certainty": None,
                "section": None,
                "score": FALLBACK_SCORE,
                "evidence": [
                    Evidence(
                        spans=[span],
                        rationale=f"辞書走査（extract 未導入）: {m.entries[0].term} "
                        "(dictionary scan fallback; extract task not installed)",
                        source="dictionary",
                        score=FALLBACK_SCORE,
                    ).model_dump(mode="json")
                ],
            }
        )
    return sorted(found, key=lambda x: x["start"])


def _documents_in_store(ctx: TaskContext) -> Iterator[dict[str, Any]]:
    for i, doc in enumerate(ctx.store.iter_documents()):
        if i >= 20:
            break
        yield {"id": doc.id, "document_id": doc.id}


@task(
    "code-note",
    input=CodeNoteInput,
    output=CodeNoteOutput,
    summary="文書中の病名・検査をコード化 (code the diseases and lab tests of a whole note)",
    demo_inputs=_documents_in_store,
)
def code_note_task(inp: CodeNoteInput, ctx: TaskContext) -> CodeNoteOutput:
    text = inp.resolve_text(ctx)
    entities, why = _extracted(inp, text, ctx)
    extractor = "extract"
    if entities is None:
        entities, extractor = _fallback(text, inp.document_id, ctx), "fallback"
    mentions: list[CodedMention] = []
    for ent in entities:
        kind = ent.get("type")
        systems = [s for s in inp.systems if (s == "jlac") == (kind == "test_key")]
        if kind not in ("disease", "test_key") or not systems:
            continue
        codes: list[CodeResult] = []
        for system in systems:
            if system == "jlac":
                codes += _lab_codes(ent["text"], ctx, ent["start"], inp.document_id, text)
            else:
                codes += [
                    _shift(c, ent["start"], text, inp.document_id)
                    for c in code_phrase(ent["text"], system, ctx, k=3)
                ]
        mentions.append(
            CodedMention(
                start=ent["start"],
                end=ent["end"],
                text=ent["text"],
                type=kind,
                certainty=ent.get("certainty"),
                section=ent.get("section"),
                score=ent["score"],
                evidence=[Evidence.model_validate(e) for e in ent.get("evidence", [])],
                codes=codes,
            )
        )
    return CodeNoteOutput(
        id=inp.id, document_id=inp.document_id, extractor=extractor, extractor_note=why, mentions=mentions
    )


def _shift(c: CodeResult, offset: int, note: str, document_id: str | None) -> CodeResult:
    """Re-anchor a phrase-level code's evidence spans into the whole note."""
    spans = [
        Span.of(note, s.start + offset, s.end + offset, document_id=document_id) for s in c.evidence.spans
    ]
    return c.model_copy(update={"evidence": c.evidence.model_copy(update={"spans": spans})})


def _lab_codes(
    name: str, ctx: TaskContext, offset: int, document_id: str | None, note: str
) -> list[CodeResult]:
    from karte.tasks.lab_map_task import LabMapInput, lab_map_task

    out = lab_map_task(LabMapInput(id="-", name=name), ctx)
    if out.jlac10 is None or not out.evidence:
        return []
    result = CodeResult(
        system="jlac10",
        code=out.jlac10,
        display=out.analyte_name or out.jlac10,
        score=out.score,
        evidence=out.evidence[0],
    )
    return [_shift(result, offset, note, document_id)]
