"""A batch run end to end: plan the input, process batches on an engine, write shards in input order,
checkpoint after every shard, and resume after a crash with no duplicates and no gaps.

Output folder::

    manifest.json          the run and its finished shards (the checkpoint)
    shard-000000.jsonl     one output line per input record, in input order (or .parquet)
    errors.jsonl           a copy of every error line
    .ids.bin               16-byte digests of the ids seen (the duplicate-id check survives a resume)
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from karte.batch.manifest import (
    MANIFEST_NAME,
    Counts,
    InputInfo,
    Manifest,
    RunParams,
    ShardEntry,
    load_manifest,
    save_manifest,
)
from karte.batch.memory import peak_rss
from karte.batch.output import SHARD_PREFIX, AppendLog, ShardWriter, shard_name
from karte.batch.plans import BatchPlan, BatchResult, ProcessedRecord
from karte.batch.processor import duplicate_record, settings_values
from karte.batch.resume import check_resumable, skip_done_batches
from karte.batch.sources.base import InputSource, Sizing
from karte.config import Settings, get_settings
from karte.errors import InputError
from karte.tasks.context import TaskContext
from karte.tasks.registry import TaskSpec, get_task

DEFAULT_SHARD_BATCHES = 20
DIGEST_SIZE = 16
MAX_NOTICES = 100  # kept for the report; the rest are only counted (memory stays flat)


class Engine(Protocol):
    name: str
    events: list[str]
    worker_peak_rss: dict[str, int]

    def run(self, source: InputSource, plans: Iterator[BatchPlan]) -> Iterator[BatchResult]: ...


@dataclass
class BatchConfig:
    task: str
    source: InputSource
    output: Path
    engine: Literal["local", "ray"] = "local"
    workers: int = 1
    resume: bool = False
    output_format: Literal["jsonl", "parquet"] = "jsonl"
    sizing: Sizing = field(default_factory=Sizing)
    shard_batches: int = DEFAULT_SHARD_BATCHES
    memory_cap_mb: int | None = None
    address: str | None = None
    cpus_per_worker: float = 1.0
    gpus_per_worker: float = 0.0
    settings: Settings | None = None


@dataclass
class Progress:
    done: int  # records written, including those of earlier runs of a resumed run
    errors: int
    total: int | None
    this_run: int  # records written by this run
    seconds: float


@dataclass
class BatchReport:
    output: Path
    manifest: Manifest
    resumed_records: int = 0
    this_run: int = 0
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)
    notice_count: int = 0
    events: list[str] = field(default_factory=list)
    worker_peak_rss: dict[str, int] = field(default_factory=dict)
    driver_peak_rss: int = 0
    already_complete: bool = False
    # CPU seconds the workers spent on batches after their first (which loads the pipeline), and the
    # records of those batches: the steady-state cost per record, whatever else runs on the machine.
    steady_cpu_seconds: float = 0.0
    steady_cpu_records: int = 0


ProgressCallback = Callable[[Progress], None]


def add_notices(report: BatchReport, notices: list[str]) -> None:
    report.notice_count += len(notices)
    room = MAX_NOTICES - len(report.notices)
    if room > 0:
        report.notices.extend(notices[:room])


def make_engine(config: BatchConfig, spec: TaskSpec, settings: Settings) -> Engine:
    values = settings_values(settings)
    module = spec.func.__module__
    if config.engine == "ray":
        from karte.batch.ray_engine import RayEngine

        return RayEngine(
            spec.name,
            module,
            values,
            workers=config.workers,
            address=config.address,
            cpus_per_worker=config.cpus_per_worker,
            gpus_per_worker=config.gpus_per_worker,
        )
    from karte.batch.local_engine import LocalEngine

    return LocalEngine(spec.name, module, values, workers=config.workers, memory_cap_mb=config.memory_cap_mb)


def id_digest(key: tuple[str, str | int]) -> bytes:
    return hashlib.blake2b(f"{key[0]}\0{key[1]}".encode(), digest_size=DIGEST_SIZE).digest()


def _new_manifest(config: BatchConfig, fingerprint: dict[str, object]) -> Manifest:
    return Manifest(
        task=config.task,
        input=InputInfo(source=config.source.describe(), fingerprint=fingerprint),
        params=RunParams(
            batch_chars=config.sizing.chars,
            batch_records=config.sizing.records,
            shard_batches=config.shard_batches,
            output_format=config.output_format,
        ),
        engine=config.engine,
        workers=config.workers,
    )


def _open_manifest(config: BatchConfig, notices: list[str]) -> Manifest:
    folder = config.output
    fingerprint = config.source.fingerprint()
    previous = load_manifest(folder) if folder.is_dir() else None
    if previous is None:
        if folder.is_dir() and any(folder.iterdir()):
            raise InputError(
                f"出力フォルダ {folder} は空ではなく、バッチ実行の {MANIFEST_NAME} もありません。"
                "空のフォルダか新しいフォルダを指定してください "
                "(output folder is not empty and holds no batch manifest)",
                field="output",
            )
        if config.resume:
            notices.append(f"{folder} に前回の実行がないため最初から実行します (nothing to resume: starting)")
        folder.mkdir(parents=True, exist_ok=True)
        manifest = _new_manifest(config, fingerprint)
        save_manifest(folder, manifest)
        return manifest
    if not config.resume:
        raise InputError(
            f"出力フォルダ {folder} には前回の実行 (タスク {previous.task}, {previous.counts.records} 件) "
            "があります。続けるには --resume、やり直すには別のフォルダを指定してください "
            "(the output folder holds an earlier run: add --resume to continue it, or choose another folder)",
            field="output",
        )
    check_resumable(previous, config.task, fingerprint, folder)
    asked = _new_manifest(config, fingerprint).params
    if asked != previous.params:
        notices.append(
            f"前回の設定で続けます: {previous.params.model_dump()} "
            "(a resumed run keeps its batching and output format)"
        )
    previous.engine, previous.workers = config.engine, config.workers
    return previous


class _OpenShard:
    def __init__(self, folder: Path, index: int, output_format: str, first_record: int, first_batch: int):
        self.writer = ShardWriter(folder, index, output_format)
        self.index = index
        self.first_record = first_record
        self.first_batch = first_batch
        self.batches = 0
        self.counts = Counts()
        self.digest = hashlib.blake2b(digest_size=16)


def run_batch(config: BatchConfig, on_progress: ProgressCallback | None = None) -> BatchReport:
    """Run ``config.task`` over ``config.source`` into ``config.output`` (see the module docstring)."""
    spec = get_task(config.task)
    settings = config.settings or get_settings()
    notices: list[str] = []
    manifest = _open_manifest(config, notices)
    report = BatchReport(config.output, manifest, resumed_records=manifest.next_record)
    add_notices(report, notices)
    if manifest.complete:
        report.already_complete = True
        return report
    start = time.monotonic()
    runner = _Runner(config, spec, settings, manifest, report, on_progress)
    try:
        runner.run()
    finally:
        runner.close()
    report.seconds = time.monotonic() - start
    add_notices(report, config.source.notices())
    report.driver_peak_rss = peak_rss()
    return report


class _Runner:
    def __init__(
        self,
        config: BatchConfig,
        spec: TaskSpec,
        settings: Settings,
        manifest: Manifest,
        report: BatchReport,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.config, self.spec, self.manifest, self.report = config, spec, manifest, report
        self.on_progress = on_progress
        self.folder = config.output
        self.params = manifest.params
        self.engine = make_engine(config, spec, settings)
        self.ctx = TaskContext(settings)
        _remove_unfinished(self.folder, len(manifest.shards))
        self.errors = AppendLog(self.folder / manifest.errors_file, manifest.errors_bytes)
        self.ids = AppendLog(self.folder / manifest.ids_file, manifest.ids_bytes)
        data = self.ids.read_all()
        self.seen = {data[i : i + DIGEST_SIZE] for i in range(0, len(data), DIGEST_SIZE)}
        self.pending: dict[int, BatchPlan] = {}
        self.events_saved = 0
        self.workers_seen: set[str] = set()
        self.shard: _OpenShard | None = None
        self.start = time.monotonic()
        self.total = config.source.count()

    def close(self) -> None:
        if self.shard is not None:
            self.shard.writer.abandon()
        self.errors.close()
        self.ids.close()
        self.ctx.close()

    def _plans(self, remaining: Iterator[BatchPlan]) -> Iterator[BatchPlan]:
        for plan in remaining:
            self.pending[plan.index] = plan
            yield plan

    def run(self) -> None:
        sizing = Sizing(self.params.batch_chars, self.params.batch_records)
        remaining = skip_done_batches(self.config.source.plan(sizing), self.manifest)
        for result in self.engine.run(self.config.source, self._plans(remaining)):
            self._write(result, self.pending.pop(result.index))
        if self.shard is not None:
            self._checkpoint()
        self.manifest.complete = True
        self._copy_events()
        save_manifest(self.folder, self.manifest)
        self.report.events = list(self.engine.events)
        self.report.worker_peak_rss = dict(self.engine.worker_peak_rss)

    def _write(self, result: BatchResult, plan: BatchPlan) -> None:
        if self.shard is None:
            index = len(self.manifest.shards)
            self.shard = _OpenShard(
                self.folder, index, self.params.output_format, plan.first_record, plan.index
            )
        shard = self.shard
        records = [self._check_duplicate(r) for r in result.records]
        shard.writer.write(plan.first_record, records)
        for record in records:
            shard.counts.add(record.error_type)
            if record.error_type is not None:
                self.errors.append((record.output + "\n").encode("utf-8"))
        shard.batches += 1
        shard.digest.update(plan.digest.encode("ascii"))
        add_notices(self.report, result.notices)
        if result.worker in self.workers_seen:
            self.report.steady_cpu_seconds += result.cpu_seconds
            self.report.steady_cpu_records += len(records)
        self.workers_seen.add(result.worker)
        self.report.this_run += len(records)
        if shard.batches >= self.params.shard_batches:
            self._checkpoint()
        if self.on_progress is not None:
            done = self.manifest.counts.records + (self.shard.counts.records if self.shard else 0)
            errors = self.manifest.counts.errors + (self.shard.counts.errors if self.shard else 0)
            elapsed = time.monotonic() - self.start
            self.on_progress(Progress(done, errors, self.total, self.report.this_run, elapsed))

    def _copy_events(self) -> None:
        self.manifest.worker_restarts.extend(self.engine.events[self.events_saved :])
        self.events_saved = len(self.engine.events)

    def _check_duplicate(self, record: ProcessedRecord) -> ProcessedRecord:
        if record.id_key is None:
            return record
        digest = id_digest(record.id_key)
        if digest in self.seen:
            return duplicate_record(self.spec, self.ctx, record)
        self.seen.add(digest)
        self.ids.append(digest)
        return record

    def _checkpoint(self) -> None:
        shard = self.shard
        assert shard is not None
        size, sha = shard.writer.finish()
        self.manifest.shards.append(
            ShardEntry(
                index=shard.index,
                file=shard.writer.path.name,
                first_record=shard.first_record,
                records=shard.counts.records,
                ok=shard.counts.ok,
                errors=shard.counts.errors,
                first_batch=shard.first_batch,
                batches=shard.batches,
                bytes=size,
                sha256=sha,
                input_digest=shard.digest.hexdigest(),
            )
        )
        counts = self.manifest.counts
        counts.records += shard.counts.records
        counts.ok += shard.counts.ok
        counts.errors += shard.counts.errors
        for kind, n in shard.counts.errors_by_type.items():
            counts.errors_by_type[kind] = counts.errors_by_type.get(kind, 0) + n
        self.manifest.errors_bytes = self.errors.sync()
        self.manifest.ids_bytes = self.ids.sync()
        self._copy_events()
        save_manifest(self.folder, self.manifest)
        self.shard = None


def _remove_unfinished(folder: Path, finished: int) -> None:
    """Delete shard files a crash left behind: temporary files and shards after the last checkpoint."""
    for path in folder.glob(f"{SHARD_PREFIX}*"):
        stem = path.name.split(".", 1)[0]
        number = stem[len(SHARD_PREFIX) :]
        if path.name.endswith(".tmp") or (number.isdigit() and int(number) >= finished):
            path.unlink()


__all__ = ["BatchConfig", "BatchReport", "Progress", "run_batch", "shard_name"]
