"""Batch runner at scale: records/s with 1 and 2 workers, memory per worker, the runner's overhead
against calling the task directly, and flat memory over 100,000 notes.

    python -m bench.bench_batch                       # everything (the 100k run takes minutes)
    python -m bench.bench_batch --flat-notes 0        # throughput only
    python -m bench.bench_batch --tasks deid --flat-notes 10000

Notes are the bundled synthetic cohort's notes, cycled, each with its own id.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.corpus import demo_notes
from karte.batch import BatchConfig, Progress, run_batch
from karte.batch.memory import MIB, current_rss, peak_rss
from karte.batch.sources import Sizing, open_source
from karte.errors import KarteError
from karte.tasks import TaskContext, all_tasks, get_task
from karte.tasks.jsonl_io import dump_line, parse_jsonl
from karte.tasks.runner import run_task

BENCH_TASKS = ("extract", "code-note", "deid")
REFERENCE_TASK = "sections"  # fast: shows the runner's fixed costs most plainly
RECORDS_PER_TASK = {"extract": 300, "code-note": 240, "deid": 1200, "sections": 3000}
FLAT_NOTES = 100_000
FLAT_TASK = "normalize"


def write_notes(path: Path, count: int) -> None:
    notes = demo_notes()
    with path.open("w", encoding="utf-8") as fh:
        for i in range(count):
            fh.write(
                json.dumps({"id": f"s{i:07d}", "text": notes[i % len(notes)]}, ensure_ascii=False) + "\n"
            )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _in_fresh_process(target: Any, *args: Any) -> Any:
    """Run ``target(*args, queue)`` in a fresh spawned process and return what it puts in the queue."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_guarded, args=(target, queue, *args))
    child.start()
    kind, value = queue.get()
    child.join()
    if kind == "error":
        raise KarteError(value)
    return value


def _guarded(target: Any, queue: Any, *args: Any) -> None:
    try:
        queue.put(("ok", target(*args)))
    except Exception as exc:
        queue.put(("error", str(exc)))


def _direct_here(name: str, infile: Path) -> tuple[float, float, float]:
    spec = get_task(name)
    records = [json.loads(line) for line in infile.read_text(encoding="utf-8").splitlines()]
    with TaskContext() as ctx:
        start = time.perf_counter()
        spec.func(spec.input.model_validate(records[0]), ctx)
        warm = time.perf_counter() - start
        start, cpu = time.perf_counter(), _cpu()
        for record in records:
            spec.func(spec.input.model_validate(record), ctx)
        return warm, time.perf_counter() - start, _cpu() - cpu


def _direct(name: str, infile: Path) -> tuple[float, float, float]:
    """Seconds for the first call (it loads the pipeline), then wall and CPU seconds for all records.

    In a fresh process, like a batch worker: module-level caches warmed by an earlier run in this
    process would otherwise favour the direct calls.
    """
    result: tuple[float, float, float] = _in_fresh_process(_direct_here, name, infile)
    return result


def _contract_here(name: str, infile: Path) -> float:
    spec = get_task(name)
    with TaskContext() as ctx, infile.open("rb") as fh:
        items = list(parse_jsonl(fh))
        spec.func(spec.input.model_validate(items[0].value), ctx)  # load the pipeline first
        sink = io.StringIO()
        cpu = _cpu()
        for result in run_task(spec, items, ctx):
            sink.write(dump_line(result) + "\n")
        return _cpu() - cpu


def _contract_cpu(name: str, infile: Path) -> float:
    """CPU seconds of ``karte run``'s path (parse, validate, run, dump each line), in a fresh process."""
    cpu: float = _in_fresh_process(_contract_here, name, infile)
    return cpu


class _Clock:
    """Progress callback that remembers when the first batch came back (the pipeline was loaded)."""

    def __init__(self) -> None:
        self.first: tuple[float, int] | None = None

    def __call__(self, event: Progress) -> None:
        if self.first is None:
            self.first = (time.perf_counter(), event.this_run)


def _batch(name: str, infile: Path, out: Path, workers: int, sizing: Sizing) -> dict[str, float]:
    clock = _Clock()
    start, cpu = time.perf_counter(), _cpu()
    report = run_batch(
        BatchConfig(name, open_source(str(infile)), out, workers=workers, sizing=sizing, shard_batches=4),
        on_progress=clock,
    )
    end, driver_cpu = time.perf_counter(), _cpu() - cpu
    total = report.manifest.counts.records
    assert clock.first is not None
    after_first = (total - clock.first[1]) / max(1e-9, end - clock.first[0])
    return {
        "wall": end - start,
        "rate": total / (end - start),
        "steady": after_first,
        "worker_mib": max(report.worker_peak_rss.values(), default=0) / MIB,
        # CPU per record: the workers' steady batches plus the driver's share (plan, write, checkpoint)
        "cpu_per_record": report.steady_cpu_seconds / max(1, report.steady_cpu_records) + driver_cpu / total,
        "driver_cpu_per_record": driver_cpu / total,
        "errors": report.manifest.counts.errors,
    }


def throughput(tasks: list[str], scale: float, tmp: Path, repeats: int = 2) -> None:
    registered = {t.name for t in all_tasks()}
    print("\n== batch: records/s per task, 1 and 2 local workers ==")
    for name in tasks:
        if name not in registered:
            print(f"{name:<10} skipped: task not registered (not present in this tree)")
    present = [t for t in tasks if t in registered]
    print(
        f"{'task':<10} {'records':>7} {'direct/s':>9} {'1w wall/s':>9} {'1w steady/s':>11} "
        f"{'2w wall/s':>9} {'2w steady/s':>11} {'overhead':>8} {'MiB/worker':>10}"
    )
    for name in present:
        n = max(20, int(RECORDS_PER_TASK.get(name, 500) * scale))
        infile = tmp / f"{name}.jsonl"
        write_notes(infile, n)
        sizing = Sizing(chars=10**9, records=max(2, n // 24))  # about 24 batches: room for 2 workers
        # Direct calls and one worker, alternated and repeated; the least CPU per record of each is
        # the estimate (other processes on a shared machine only ever add to it).
        try:
            runs = [
                (_direct(name, infile), _batch(name, infile, tmp / f"{name}-1-{r}", 1, sizing))
                for r in range(repeats)
            ]
        except KarteError as exc:  # a task whose model is not trained or installed here
            print(f"{name:<10} skipped: {exc}")
            continue
        warm = runs[0][0][0]
        _, direct, direct_cpu = min((d for d, _ in runs), key=lambda d: d[2])
        contract_cpu = min(_contract_cpu(name, infile) for _ in range(repeats))
        one = min((b for _, b in runs), key=lambda b: b["cpu_per_record"])
        two = _batch(name, infile, tmp / f"{name}-2", 2, sizing)
        direct_rate = n / direct
        overhead = one["cpu_per_record"] / (direct_cpu / n)
        print(
            f"{name:<10} {n:>7} {direct_rate:>9.1f} {one['rate']:>9.1f} {one['steady']:>11.1f} "
            f"{two['rate']:>9.1f} {two['steady']:>11.1f} {overhead:>8.2f} {two['worker_mib']:>10.0f}"
        )
        print(
            f"{'':<10} CPU ms/record: direct {1000 * direct_cpu / n:.2f}, "
            f"karte run path {1000 * contract_cpu / n:.2f}, batch 1 worker "
            f"{1000 * one['cpu_per_record']:.2f}, 2 workers {1000 * two['cpu_per_record']:.2f}; "
            f"of which driver {1000 * one['driver_cpu_per_record']:.3f}; "
            f"wall overhead (direct/s ÷ 1w steady/s) {direct_rate / one['steady']:.2f}"
        )
        print(
            f"{'':<10} pipeline load {warm:.1f} s; wall with load: direct {warm + direct:.1f} s, "
            f"1 worker {one['wall']:.1f} s (ratio {one['wall'] / (warm + direct):.2f}), "
            f"2 workers {two['wall']:.1f} s; speed-up 2w/1w steady {two['steady'] / one['steady']:.2f}"
        )
    print(
        "overhead = batch CPU per record (1 worker, after its first batch, plus the driver's share) "
        "÷ direct CPU per record (target ≤ 1.15); CPU time, because wall time on a shared machine "
        "measures the neighbours"
    )


def _worker_rss() -> tuple[int, int]:
    """(current, peak) resident bytes of the largest live worker process, from /proc."""
    now = peak = 0
    for child in multiprocessing.active_children():
        try:
            status = Path(f"/proc/{child.pid}/status").read_text()
        except OSError:
            continue
        fields = {k: v for k, _, v in (line.partition(":") for line in status.splitlines())}
        now = max(now, int(fields.get("VmRSS", "0 kB").split()[0]) * 1024)
        peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]) * 1024)
    return now, peak


class _MemoryProbe:
    def __init__(self, marks: list[int]) -> None:
        self.marks = sorted(marks)
        self.rows: list[tuple[int, float, int, int, int, int]] = []
        self.start = time.perf_counter()

    def __call__(self, event: Progress) -> None:
        if self.marks and event.done >= self.marks[0]:
            self.marks.pop(0)
            self.record(event.done)

    def record(self, done: int) -> None:
        worker_now, worker_peak = _worker_rss()
        self.rows.append(
            (done, time.perf_counter() - self.start, current_rss(), peak_rss(), worker_now, worker_peak)
        )


def flat_memory(count: int, tmp: Path, workers: int = 2) -> None:
    """Run :func:`flat_memory_here` in a fresh process, so the driver's figures are its own."""
    child = multiprocessing.get_context("spawn").Process(target=flat_memory_here, args=(count, tmp, workers))
    child.start()
    child.join()


def flat_memory_here(count: int, tmp: Path, workers: int = 2) -> None:
    infile = tmp / "flat.jsonl"
    write_notes(infile, count)
    print(f"\n== batch: memory over {count:,} notes ({FLAT_TASK}, {workers} workers, default batching) ==")
    marks = [m for m in (1_000, 10_000, 50_000, 100_000) if m < count]
    probe = _MemoryProbe(marks)
    report = run_batch(
        BatchConfig(FLAT_TASK, open_source(str(infile)), tmp / "flat-out", workers=workers), on_progress=probe
    )
    worker_peak = max(report.worker_peak_rss.values(), default=0)
    print(
        f"{'records':>9} {'seconds':>8} {'driver MiB':>10} {'driver peak':>11} "
        f"{'worker MiB':>10} {'worker peak':>11}"
    )
    for done, secs, now, peak, w_now, w_peak in probe.rows:
        print(
            f"{done:>9,} {secs:>8.1f} {now / MIB:>10.0f} {peak / MIB:>11.0f} "
            f"{w_now / MIB:>10.0f} {w_peak / MIB:>11.0f}"
        )
    total = report.manifest.counts.records
    print(
        f"{total:>9,} {report.seconds:>8.1f} {current_rss() / MIB:>10.0f} {peak_rss() / MIB:>11.0f} "
        f"{'':>10} {worker_peak / MIB:>11.0f}   (end of run)"
    )
    print(
        f"{total / report.seconds:,.0f} records/s overall; {len(report.manifest.shards)} shards; "
        f"errors {report.manifest.counts.errors}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bench_batch")
    parser.add_argument("--tasks", nargs="*", default=[*BENCH_TASKS, REFERENCE_TASK])
    parser.add_argument("--scale", type=float, default=1.0, help="scale the records per task")
    parser.add_argument("--repeats", type=int, default=2, help="direct and 1-worker runs per task")
    parser.add_argument(
        "--flat-notes", type=int, default=FLAT_NOTES, help="notes for the memory run (0: skip)"
    )
    args = parser.parse_args(argv or [])
    tmp = Path(tempfile.mkdtemp(prefix="karte-bench-batch-"))
    try:
        if args.tasks:
            throughput(args.tasks, args.scale, tmp, max(1, args.repeats))
        if args.flat_notes:
            flat_memory(args.flat_notes, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
