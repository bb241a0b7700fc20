"""Tasks: one module per task, each registered once in the task registry.

Python use::

    from karte.tasks import run
    run("sections", [{"id": "n1", "text": "【主訴】発熱"}])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from karte.config import Settings
from karte.tasks.context import TaskContext
from karte.tasks.jsonl_io import parse_objects
from karte.tasks.registry import TaskInput, TaskOutput, TaskSpec, all_tasks, get_task, task
from karte.tasks.runner import RunSummary, run_task


def run(
    name: str, records: Iterable[dict[str, Any]], *, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """Run task ``name`` over ``records`` (dicts with an ``id``); one output dict per record, in order."""
    spec = get_task(name)
    with TaskContext(settings) as ctx:
        return list(run_task(spec, parse_objects(records), ctx))


__all__ = [
    "RunSummary",
    "TaskContext",
    "TaskInput",
    "TaskOutput",
    "TaskSpec",
    "all_tasks",
    "get_task",
    "run",
    "run_task",
    "task",
]
