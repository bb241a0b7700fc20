"""Task ``code``: a free-text phrase → ranked codes of ICD-10, ICD-11, ICF or J-FAGY, with evidence.

``{"id", "text", "system"}`` → ``{"id", "codes": [{"system", "code", "display", "score",
"evidence"}]}``, best first. ICD-11 codes may be clusters (``MD81.10&XK9K``); ICF codes carry
their qualifier (``d4153.2``, ``e310+2``). Every code is re-validated against the loaded table
before it is output.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from karte.evidence import Evidence, Span
from karte.tasks.context import TaskContext
from karte.tasks.registry import TaskInput, TaskOutput, task
from karte.terminology.base import CodeMatch
from karte.terminology.registry import get_code_system

CodingSystem = Literal["icd10", "icd11", "icf", "jfagy"]
MAX_TEXT = 2000


class CodeInput(TaskInput):
    text: str = Field(description="The phrase to code (a disease name, functioning phrase or allergen)")
    system: CodingSystem = Field(default="icd10", description="icd10 | icd11 | icf | jfagy")
    k: int = Field(default=5, ge=1, le=50, description="How many codes to return")

    @field_validator("text")
    @classmethod
    def _text_ok(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text が空です (text is empty)")
        if len(value) > MAX_TEXT:
            raise ValueError(
                f"text が長すぎます（{len(value)} 文字、上限 {MAX_TEXT}）。文書全体は code-note へ "
                f"(phrase too long; use code-note for whole notes)"
            )
        return value


class CodeResult(BaseModel):
    system: str
    code: str
    display: str
    score: float = Field(ge=0.0, le=1.0)
    evidence: Evidence


class CodeOutput(TaskOutput):
    codes: list[CodeResult]


def evidence_of(match: CodeMatch, text: str, document_id: str | None = None) -> Evidence:
    spans = [Span.of(text, s.start, s.end, document_id=document_id) for s in match.spans if s.end > s.start]
    source: Literal["rule", "dictionary"] = "rule" if match.kind == "rule" else "dictionary"
    return Evidence(spans=spans, rationale=match.rationale, source=source, score=match.score)


def code_phrase(
    text: str, system: str, ctx: TaskContext, k: int = 5, document_id: str | None = None
) -> list[CodeResult]:
    """Ranked, validated codes of ``system`` for ``text`` (used by ``code`` and ``code-note``)."""
    cs = ctx.resource(f"terminology.{system}", lambda: get_code_system(system, ctx.settings))
    out: list[CodeResult] = []
    for m in cs.search(text, k):
        if not cs.validate(m.code).ok:  # never output a code that is not in the loaded table
            continue
        out.append(
            CodeResult(
                system=system,
                code=m.code,
                display=m.display,
                score=m.score,
                evidence=evidence_of(m, text, document_id),
            )
        )
    return out


def _demo(ctx: TaskContext) -> Iterator[dict[str, Any]]:
    examples = [
        ("icd10", "#1 2型DM"),
        ("icd10", "s/o AMI"),
        ("icd10", "ｼﾝﾌｾﾞﾝ"),
        ("icd11", "右季肋部痛"),
        ("icd11", "左大腿骨頸部骨折"),
        ("icf", "座位保持に中等度の介助"),
        ("icf", "家族の十分な支援あり"),
        ("jfagy", "卵アレルギー"),
    ]
    for i, (system, text) in enumerate(examples, 1):
        yield {"id": f"code-demo-{i}", "text": text, "system": system}


@task(
    "code",
    input=CodeInput,
    output=CodeOutput,
    summary="病名・生活機能・アレルゲンの標準コード化 (ICD-10, ICD-11, ICF, J-FAGY coding of a phrase)",
    demo_inputs=_demo,
)
def code_task(inp: CodeInput, ctx: TaskContext) -> CodeOutput:
    return CodeOutput(id=inp.id, codes=code_phrase(inp.text, inp.system, ctx, inp.k))
