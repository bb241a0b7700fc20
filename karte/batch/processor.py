"""What a worker does with one planned batch: read its records and run the task on each.

The processor holds the task's context for the worker's whole life, so a pipeline, dictionary or
model cached with ``ctx.resource`` is loaded once per worker, not once per batch. Each record goes
through :func:`karte.tasks.runner.run_one`, so every output equals what ``karte run`` writes.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from pydantic import SecretStr

from karte.batch.memory import current_rss
from karte.batch.plans import BatchPlan, BatchResult, ProcessedRecord, RawRecord
from karte.batch.sources.base import InputSource
from karte.config import Settings
from karte.errors import ErrorInfo, InputError
from karte.tasks.context import TaskContext
from karte.tasks.jsonl_io import ParsedLine, dump_line
from karte.tasks.registry import TaskSpec, get_task
from karte.tasks.runner import run_one, valid_id

IdKey = tuple[str, str | int]


def id_key(value: Any) -> IdKey | None:
    """The duplicate-check key ``run_task`` uses for a record with a usable id, else None."""
    if not isinstance(value, dict):
        return None
    rid = value.get("id")
    if isinstance(rid, str | int) and valid_id(rid):
        return (type(rid).__name__, rid)
    return None


def settings_from(values: dict[str, Any]) -> Settings:
    return Settings(**values)


def settings_values(settings: Settings) -> dict[str, Any]:
    """Settings as plain values, to rebuild the same settings in a worker.

    Secrets (``SecretStr``) travel as their values: a worker pseudonymising with the site secret
    must get the secret itself, not the masked text a JSON dump gives.
    """
    values = settings.model_dump(mode="json")
    for name in type(settings).model_fields:
        value = getattr(settings, name, None)
        if isinstance(value, SecretStr):
            values[name] = value.get_secret_value()
    return values


def processed(line: int, out: dict[str, Any], key: IdKey | None) -> ProcessedRecord:
    error = out.get("error")
    rid = out.get("id")
    return ProcessedRecord(
        line=line,
        output=dump_line(out),
        id_key=key,
        error_type=str(error.get("type")) if isinstance(error, dict) else None,
        id_text=None if rid is None else str(rid),
    )


class BatchProcessor:
    """One per worker: the task, its context, and a name for reports."""

    def __init__(self, task: str, settings: dict[str, Any]) -> None:
        self.spec: TaskSpec = get_task(task)
        self.ctx = TaskContext(settings_from(settings))
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def close(self) -> None:
        self.ctx.close()

    def process(self, raw: RawRecord) -> ProcessedRecord:
        if raw.error is not None and raw.error_id is not None:
            return processed(raw.line, {"id": raw.error_id, "error": raw.error}, None)
        error = ErrorInfo.model_validate(raw.error) if raw.error is not None else None
        item = ParsedLine(raw.line, value=raw.value, error=error, notices=raw.notices)
        key = id_key(raw.value) if error is None else None
        return processed(raw.line, run_one(self.spec, item, self.ctx, None), key)

    def run(self, source: InputSource, plan: BatchPlan) -> BatchResult:
        cpu = time.process_time()
        raws = source.read(plan)
        if len(raws) != plan.records:
            raise InputError(
                f"{source.describe()}: バッチ {plan.index} のレコード数が計画と違います "
                f"({len(raws)} != {plan.records})。実行中に入力が変わりました "
                "(the input changed while the batch was running)",
                field="input",
            )
        records = [self.process(raw) for raw in raws]
        notices = [n for raw in raws for n in raw.notices]
        cpu = time.process_time() - cpu
        return BatchResult(plan.index, records, notices, current_rss(), self.worker, cpu)


def duplicate_record(spec: TaskSpec, ctx: TaskContext, record: ProcessedRecord) -> ProcessedRecord:
    """The runner's own ``duplicate_id`` error for a record whose id was seen earlier in the input."""
    assert record.id_key is not None
    rid = record.id_key[1]
    out = run_one(spec, ParsedLine(record.line, value={"id": rid}), ctx, {record.id_key})
    return processed(record.line, out, None)
