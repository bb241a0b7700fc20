"""Score the ``qa`` task on IgakuQA-format files (Japanese national medical licensing exam).

A folder holds ``<exam>-<block>.jsonl`` files (``problem_id``, ``problem_text``, ``choices`` as a list,
``answer`` letters, ``text_only``); ``*_metadata.jsonl`` and ``*_translate.jsonl`` are ignored.
Questions with images (``text_only`` false) and calculation questions without choices are skipped and
counted. ``multi`` comes from the question text (「N つ選べ」), never from the gold answer. A question is
correct when the chosen set of letters equals the gold set; a per-record error counts as wrong.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from karte.config import Settings
from karte.errors import InputError
from karte.tasks.context import TaskContext
from karte.tasks.jsonl_io import ParsedLine
from karte.tasks.qa_task import answer_count
from karte.tasks.registry import get_task
from karte.tasks.runner import run_task

_IGNORED_SUFFIXES = ("_metadata.jsonl", "_translate.jsonl")


class QAItem(BaseModel):
    id: str
    question: str
    choices: dict[str, str]
    multi: bool
    gold: list[str]
    source: str = Field(description="file:line")

    def task_input(self, rag: bool) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "choices": self.choices,
            "multi": self.multi,
            "rag": rag,
        }


class QASet(BaseModel):
    items: list[QAItem]
    files: int
    skipped_images: int
    skipped_no_choices: int


class QAScore(BaseModel):
    backend: str
    model: str
    rag: bool
    total: int
    correct: int
    errors: int
    seconds: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"IgakuQA のパス {path} がありません (path not found)", field="path")
    files = [p for p in sorted(path.rglob("*.jsonl")) if not p.name.endswith(_IGNORED_SUFFIXES)]
    if not files:
        raise InputError(f"{path} に IgakuQA の .jsonl がありません (no question files)", field="path")
    return files


def load_igakuqa(path: Path) -> QASet:
    """Text-only multiple-choice questions under ``path`` (a file or a folder), with skip counts."""
    items: list[QAItem] = []
    images = no_choices = 0
    files = _files(path)
    for file in files:
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not row.get("text_only", True):
                    images += 1
                    continue
                if not row["choices"]:
                    no_choices += 1
                    continue
                question = str(row["problem_text"])
                letters = string.ascii_lowercase[: len(row["choices"])]
                items.append(
                    QAItem(
                        id=str(row["problem_id"]),
                        question=question,
                        choices=dict(zip(letters, map(str, row["choices"]), strict=True)),
                        multi=answer_count(question, multi=True) is not None,
                        gold=sorted(row["answer"]),
                        source=f"{file.name}:{n}",
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(
                    f"{file}:{n} は IgakuQA 形式ではありません: {exc} (not an IgakuQA record)",
                    field="path",
                    record_id=f"{file.name}:{n}",
                ) from exc
    return QASet(items=items, files=len(files), skipped_images=images, skipped_no_choices=no_choices)


def sample(items: list[QAItem], size: int | None, seed: int) -> list[QAItem]:
    """A fixed, seeded sample (in file order); all items when ``size`` is None or not smaller.

    Samples are nested: for one seed, the sample of 20 is part of the sample of 40.
    """
    if size is None or size >= len(items):
        return items
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    chosen = set(order[:size])
    return [item for i, item in enumerate(items) if i in chosen]


def score(
    items: list[QAItem],
    settings: Settings,
    *,
    rag: bool,
    on_result: Callable[[QAItem, dict[str, Any]], None] | None = None,
) -> QAScore:
    """Run ``qa`` over ``items`` with the backend in ``settings`` and count exact-set matches."""
    import time

    spec = get_task("qa")
    by_id = {item.id: item for item in items}
    correct = errors = 0
    start = time.perf_counter()

    def lines() -> Iterator[ParsedLine]:
        for n, item in enumerate(items, start=1):
            yield ParsedLine(line=n, value=item.task_input(rag))

    model = settings.llm_model
    with TaskContext(settings) as ctx:
        for out in run_task(spec, lines(), ctx):
            item = by_id[str(out["id"])]
            if "error" in out:
                errors += 1
            elif sorted(out["answer"]) == item.gold:
                correct += 1
                model = out["llm"]["model"]
            else:
                model = out["llm"]["model"]
            if on_result is not None:
                on_result(item, out)
    return QAScore(
        backend=settings.llm,
        model=model,
        rag=rag,
        total=len(items),
        correct=correct,
        errors=errors,
        seconds=time.perf_counter() - start,
    )
