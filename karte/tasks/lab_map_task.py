"""Task ``lab-map``: a hospital's local lab item name → JLAC10 (and JLAC11) code.

``{"id", "name", "specimen"?, "unit"?, "method"?}`` → ``{"id", "jlac10", "jlac11", "analyte",
"analyte_name", "specimen", "score", "candidates": [...], "evidence"}``. The analyte comes from
the name (abbreviations, half-width kana, English names); the specimen from the ``specimen``
field or the name (``尿蛋白`` → urine); specimen, method and unit then pick the full code among
those known for the analyte. When nothing matches, ``jlac10`` is null and ``score`` 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field, field_validator

from karte.evidence import Evidence
from karte.tasks.code_task import evidence_of
from karte.tasks.context import TaskContext
from karte.tasks.registry import TaskInput, TaskOutput, task
from karte.terminology.jlac import JLAC, SPECIMENS
from karte.terminology.registry import get_code_system

MAX_NAME = 200


class LabMapInput(TaskInput):
    name: str = Field(description="Local lab item name (ｸﾚｱﾁﾆﾝ, CRE, 血清クレアチニン …)")
    specimen: str | None = Field(default=None, description="Specimen as the hospital writes it (血清, 尿 …)")
    unit: str | None = Field(default=None, description="Unit (mg/dL …)")
    method: str | None = Field(default=None, description="Method as the hospital writes it")

    @field_validator("name")
    @classmethod
    def _name_ok(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name が空です (name is empty)")
        if len(value) > MAX_NAME:
            raise ValueError(f"name が長すぎます（{len(value)} 文字、上限 {MAX_NAME}） (name too long)")
        return value


class LabCandidate(BaseModel):
    analyte: str = Field(description="JLAC10 analyte code (5 characters)")
    analyte_name: str
    jlac10: str | None
    score: float = Field(ge=0.0, le=1.0)


class LabMapOutput(TaskOutput):
    jlac10: str | None = Field(description="Full 17-character JLAC10 code, or null when nothing matched")
    jlac11: str | None = Field(description="JLAC11 code when the imported master gives one")
    analyte: str | None = Field(description="JLAC10 analyte code (5 characters)")
    analyte_name: str | None = None
    specimen: str | None = Field(default=None, description="JLAC10 specimen code and name, e.g. 023 血清")
    score: float = Field(ge=0.0, le=1.0)
    candidates: list[LabCandidate]
    evidence: list[Evidence] = Field(default_factory=list)


def _demo(ctx: TaskContext) -> Iterator[dict[str, Any]]:
    for i, (name, unit) in enumerate(
        [("ｸﾚｱﾁﾆﾝ", "mg/dL"), ("HbA1c(NGSP)", "%"), ("γ-GTP", "U/L"), ("尿蛋白定性", None), ("WBC", None)], 1
    ):
        yield {"id": f"lab-demo-{i}", "name": name, "unit": unit}


@task(
    "lab-map",
    input=LabMapInput,
    output=LabMapOutput,
    summary="院内検査名を JLAC10/JLAC11 に対応付け (map a local lab name to JLAC10/JLAC11)",
    demo_inputs=_demo,
)
def lab_map_task(inp: LabMapInput, ctx: TaskContext) -> LabMapOutput:
    jlac = ctx.resource("terminology.jlac", lambda: get_code_system("jlac", ctx.settings))
    assert isinstance(jlac, JLAC)
    specimen = jlac.specimen_of(inp.specimen, inp.name)
    matches = jlac.search(inp.name, 5)
    candidates: list[LabCandidate] = []
    for m in matches:
        row = jlac.choose_code(m.code, specimen, inp.method, inp.unit)
        if row is not None:
            candidates.append(
                LabCandidate(analyte=row.analyte, analyte_name=m.display, jlac10=row.jlac10, score=m.score)
            )
    if not matches or not candidates:
        return LabMapOutput(id=inp.id, jlac10=None, jlac11=None, analyte=None, score=0.0, candidates=[])
    best = matches[0]
    row = jlac.choose_code(best.code, specimen, inp.method, inp.unit)
    if row is None:
        return LabMapOutput(
            id=inp.id, jlac10=None, jlac11=None, analyte=None, score=0.0, candidates=candidates
        )
    spec_code = row.jlac10[9:12]
    return LabMapOutput(
        id=inp.id,
        jlac10=row.jlac10,
        jlac11=row.jlac11,
        analyte=row.analyte,
        analyte_name=best.display,
        specimen=f"{spec_code} {SPECIMENS[spec_code][0]}" if spec_code in SPECIMENS else spec_code,
        score=best.score,
        candidates=candidates,
        evidence=[evidence_of(best, inp.name)],
    )
