"""Test-only tasks for the batch tests, registered on import (workers import this module by name).

``batch-crash`` kills its worker process on a record whose text is ``CRASH`` (every time), or on
``CRASH-ONCE`` the first time only (a marker file next to ``KARTE_HOME`` remembers it).
"""

from __future__ import annotations

import os
from pathlib import Path

from karte.tasks.context import TaskContext
from karte.tasks.inputs import NoteInput
from karte.tasks.registry import _REGISTRY, TaskOutput, task

CRASH_TASK = "batch-crash"


class LengthOutput(TaskOutput):
    length: int


def crash_task(inp: NoteInput, ctx: TaskContext) -> LengthOutput:
    text = inp.resolve_text(ctx)
    if text == "CRASH":
        os._exit(3)
    if text == "CRASH-ONCE":
        marker = Path(ctx.settings.home).parent / "crashed-once"
        if not marker.exists():
            marker.write_text("1")
            os._exit(4)
    return LengthOutput(id=inp.id, length=len(text))


def register() -> None:
    task(CRASH_TASK, input=NoteInput, output=LengthOutput, summary="test only")(crash_task)


def unregister() -> None:
    _REGISTRY.pop(CRASH_TASK, None)


register()
