"""The task registry: each task is registered once and reached from the CLI, REST API, Python and batch.

A task is a typed function ``(input model, context) -> output model``. Input models derive from
:class:`TaskInput` (they carry the record ``id``), output models from :class:`TaskOutput`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from karte.errors import NotFoundError
from karte.tasks.context import TaskContext

RecordId = str | int


class TaskInput(BaseModel):
    """Base of every task input: a JSON object with an ``id``; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    id: RecordId = Field(description="Record id, echoed in the output line")


class TaskOutput(BaseModel):
    """Base of every task output: the input's ``id`` plus the task's fields."""

    id: RecordId


In = TypeVar("In", bound=TaskInput)
Out = TypeVar("Out", bound=TaskOutput)
TaskFunc = Callable[[Any, TaskContext], TaskOutput]
DemoInputs = Callable[[TaskContext], Iterable[dict[str, Any]]]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    input: type[TaskInput]
    output: type[TaskOutput]
    func: TaskFunc
    summary: str
    demo_inputs: DemoInputs | None = None

    def fields(self, model: type[BaseModel]) -> list[str]:
        return list(model.model_fields)


_REGISTRY: dict[str, TaskSpec] = {}
# Modules that register the built-in tasks; imported on first use of the registry.
BUILTIN_TASK_MODULES = (
    "karte.tasks.text_tasks",
    "karte.tasks.qa_task",
    "karte.tasks.deid_task",
    "karte.tasks.code_task",
    "karte.tasks.lab_map_task",
    "karte.tasks.code_note_task",
    "karte.tasks.extract_task",
    "karte.tasks.draft_task",
    "karte.tasks.notify_task",
    "karte.tasks.death_code_task",
    "karte.tasks.screen_task",
)
_loaded = False


def task(
    name: str,
    *,
    input: type[In],
    output: type[Out],
    summary: str = "",
    demo_inputs: DemoInputs | None = None,
) -> Callable[[Callable[[In, TaskContext], Out]], Callable[[In, TaskContext], Out]]:
    """Register ``func`` as task ``name``: ``@task("sections", input=…, output=…)``."""

    def register(func: Callable[[In, TaskContext], Out]) -> Callable[[In, TaskContext], Out]:
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"task {name!r} is registered twice")
        _REGISTRY[name] = TaskSpec(
            name, input, output, func, summary or (func.__doc__ or "").strip(), demo_inputs
        )
        return func

    return register


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        for module in BUILTIN_TASK_MODULES:
            importlib.import_module(module)
        _loaded = True


def all_tasks() -> list[TaskSpec]:
    _load_builtins()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def iter_task_names() -> Iterator[str]:
    return (t.name for t in all_tasks())


def get_task(name: str) -> TaskSpec:
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "(none)"
        raise NotFoundError(
            f"タスク {name!r} はありません。利用可能: {known} (no such task; available: {known})",
            field="task",
        ) from None
