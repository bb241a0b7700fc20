"""Task ``death-code``: a death certificate (死亡票) → underlying and external cause, ICD-10 and ICD-11."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

from karte.reporting.death.certificate import DeathCertificate
from karte.reporting.death.coder import DeathCoder
from karte.reporting.death.result import DeathCodeResult
from karte.tasks.context import TaskContext
from karte.tasks.registry import TaskInput, TaskOutput, task

DEMO_CERTIFICATES = 6


class DeathCodeInput(TaskInput, DeathCertificate):
    """``{"id", "causes": {"Ia" … "Id", "II"}, "intervals", "manner", "external", "surgery", "autopsy"}``."""


class DeathCodeOutput(TaskOutput, DeathCodeResult):
    """``{"id", "underlying": {"icd10", "icd11", "rule" …}, "external_cause", "lines", "evidence"}``."""


def death_coder(ctx: TaskContext) -> DeathCoder:
    """The coder over the loaded ICD-10 and ICD-11 tables (built once per run)."""

    def build() -> DeathCoder:
        from karte.terminology.registry import get_code_system

        return DeathCoder(get_code_system("icd10", ctx.settings), get_code_system("icd11", ctx.settings))

    return ctx.resource("reporting.death_coder", build)


def _demo(ctx: TaskContext) -> Iterator[dict[str, Any]]:
    ref = resources.files("karte.reporting.devsets").joinpath("death_dev.jsonl")
    with ref.open("r", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= DEMO_CERTIFICATES:
                break
            record = json.loads(line)
            yield {k: v for k, v in record.items() if k != "expected"}


@task(
    "death-code",
    input=DeathCodeInput,
    output=DeathCodeOutput,
    summary="死亡診断書の原死因・外因コーディング (underlying and external cause of death, ICD-10/ICD-11)",
    demo_inputs=_demo,
)
def death_code_task(inp: DeathCodeInput, ctx: TaskContext) -> DeathCodeOutput:
    cert = DeathCertificate.model_validate(inp.model_dump(exclude={"id"}))
    result = death_coder(ctx).code(cert)
    return DeathCodeOutput(id=inp.id, **result.model_dump())
