"""Score the ``qa`` task on IgakuQA-format files (Japanese national medical licensing exam).

A folder holds ``<exam>-<block>.jsonl`` files (``problem_id``, ``problem_text``, ``choices`` as a list,
``answer`` letters, ``text_only``); ``*_metadata.jsonl`` and ``*_translate.jsonl`` are ignored.
Questions with images (``text_only`` false) and calculation questions without choices are skipped and
counted. ``multi`` comes from the question text (「N つ選べ」), never from the gold answer. A question is
correct when the chosen set of letters equals the gold set; a per-record error counts as wrong.

A sample (``--sample N --seed S``) is stratified by exam (year): each exam's questions are shuffled
with the seed and each exam gives its share of N (largest remainder), the exams interleaved, so the
same command scores the same questions with every backend. Accuracy comes with a 95% Wilson interval and
the chance level of the scored questions (1/choices for one answer, 1/C(choices, N) for N answers).
"""

from __future__ import annotations

import json
import math
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

    @property
    def exam(self) -> str:
        """The exam (year) the question belongs to: ``112`` of ``112A1``."""
        return self.id[:3]

    @property
    def chance(self) -> float:
        """Probability of a right answer by picking uniformly among the allowed answers."""
        count = answer_count(self.question, self.multi) or len(self.gold)
        return 1.0 / math.comb(len(self.choices), count)

    def task_input(self, rag: bool, method: str = "auto") -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "choices": self.choices,
            "multi": self.multi,
            "rag": rag,
            "method": method,
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
    method: str = "auto"
    total: int
    correct: int
    errors: int
    seconds: float
    chance: float = Field(default=0.0, description="Expected accuracy of uniform guessing")

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.correct, self.total)


def wilson_interval(hits: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95% Wilson score interval of a proportion."""
    if n == 0:
        return (0.0, 1.0)
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


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
    """A fixed, seeded sample stratified by exam; all items (in file order) unless ``size`` is smaller.

    Each exam gets its share of ``size`` (largest remainder; ties to the earlier exam) and its
    questions are shuffled with ``random.Random(f"{seed}:{exam}")``. The sample is returned with the
    exams interleaved (each exam's questions in file order), so that the first questions scored, when
    a run is cut short, are stratified too; re-running the same command resumes from the answer cache.
    """
    if size is None or size >= len(items):
        return items
    exams: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        exams.setdefault(item.exam, []).append(i)
    quotas = {e: size * len(idx) / len(items) for e, idx in exams.items()}
    counts = {e: int(q) for e, q in quotas.items()}
    for e in sorted(quotas, key=lambda e: counts[e] - quotas[e])[: size - sum(counts.values())]:
        counts[e] += 1
    picked: list[list[int]] = []
    for exam, idx in exams.items():
        order = list(idx)
        random.Random(f"{seed}:{exam}").shuffle(order)
        picked.append(sorted(order[: counts[exam]]))
    longest = max(len(p) for p in picked)
    return [items[p[k]] for k in range(longest) for p in picked if k < len(p)]


def score(
    items: list[QAItem],
    settings: Settings,
    *,
    rag: bool,
    method: str = "auto",
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
            yield ParsedLine(line=n, value=item.task_input(rag, method))

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
        method=method,
        total=len(items),
        correct=correct,
        errors=errors,
        seconds=time.perf_counter() - start,
        chance=sum(item.chance for item in items) / max(1, len(items)),
    )
