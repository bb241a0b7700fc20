"""The local engine: worker processes (spawn start method) that each load the task's pipeline once.

Batches are dispatched in input order to whichever worker is free (two in flight per worker, so a
worker never waits for the driver) and handed back in input order. A worker whose resident memory
passes the cap after a batch is replaced by a fresh one; a worker that dies (killed for memory, a
crash in native code) is replaced and its batch retried in the fresh worker; a batch that kills
workers again and again becomes error lines for its records, so the run goes on and nothing is lost.
Only plain data (plans, records, results) crosses the process boundary.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing as mp
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from karte.batch.memory import MIB
from karte.batch.plans import BatchPlan, BatchResult
from karte.batch.processor import BatchProcessor, id_key, processed
from karte.batch.sources.base import InputSource
from karte.errors import ErrorInfo, KarteError

PREFETCH = 2  # batches in flight per worker
MAX_ATTEMPTS = 2  # a batch whose worker dies is tried this many times in all
_STOP_TIMEOUT = 10.0


def worker_main(conn: Connection, task: str, task_module: str, settings: dict[str, Any], source: Any) -> None:
    """A worker process: build the processor once, then process the plans it is sent until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver handles Ctrl-C and stops the workers
    try:
        importlib.import_module(task_module)
        processor = BatchProcessor(task, settings)
    except BaseException as exc:
        conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    try:
        while True:
            try:
                plan = conn.recv()
            except EOFError:
                break
            if plan is None:
                break
            try:
                conn.send(("ok", processor.run(source, plan)))
            except KarteError as exc:
                conn.send(("error", str(exc)))
            except Exception as exc:
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        processor.close()


@dataclass
class _Slot:
    number: int
    process: BaseProcess
    conn: Connection
    queue: deque[tuple[BatchPlan, int]] = field(default_factory=deque)  # (plan, attempt) sent, in order
    retiring: bool = False

    @property
    def name(self) -> str:
        return f"worker {self.number} (pid {self.process.pid})"


class LocalEngine:
    name = "local"

    def __init__(
        self,
        task: str,
        task_module: str,
        settings: dict[str, Any],
        *,
        workers: int = 1,
        memory_cap_mb: int | None = None,
    ) -> None:
        self.task = task
        self.task_module = task_module
        self.settings = settings
        self.workers = max(1, workers)
        self.memory_cap = memory_cap_mb * MIB if memory_cap_mb else None
        self.events: list[str] = []  # restarts and retries, for the report and the manifest
        self.worker_peak_rss: dict[str, int] = {}
        self._ctx = mp.get_context("spawn")
        self._started = 0

    # -- workers ----------------------------------------------------------------------------------

    def _start(self, source: InputSource) -> _Slot:
        parent, child = self._ctx.Pipe()
        self._started += 1
        process = self._ctx.Process(
            target=worker_main,
            args=(child, self.task, self.task_module, self.settings, source),
            name=f"karte-batch-{self._started}",
            daemon=True,
        )
        process.start()
        child.close()
        return _Slot(self._started, process, parent)

    def _stop(self, slot: _Slot) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            slot.conn.send(None)
        slot.process.join(_STOP_TIMEOUT)
        if slot.process.is_alive():
            slot.process.terminate()
            slot.process.join(_STOP_TIMEOUT)
        slot.conn.close()

    # -- the run ----------------------------------------------------------------------------------

    def run(self, source: InputSource, plans: Iterable[BatchPlan]) -> Iterator[BatchResult]:
        # A slot is None until there is work for it (and again after its worker retired or died),
        # so a replacement worker is started only when a batch is waiting for it.
        slots: list[_Slot | None] = [self._start(source) for _ in range(self.workers)]
        try:
            yield from self._loop(source, slots, iter(plans))
        finally:
            for slot in slots:
                if slot is not None:
                    self._stop(slot)

    def _loop(
        self, source: InputSource, slots: list[_Slot | None], plans: Iterator[BatchPlan]
    ) -> Iterator[BatchResult]:
        order: deque[int] = deque()  # batch indexes handed out and not yet yielded, in input order
        done: dict[int, BatchResult] = {}
        retry: deque[tuple[BatchPlan, int]] = deque()
        window = self.workers * PREFETCH * 2
        exhausted = False

        def next_work() -> tuple[BatchPlan, int] | None:
            nonlocal exhausted
            if retry:
                return retry.popleft()
            if exhausted or len(order) >= window:
                return None
            plan = next(plans, None)
            if plan is None:
                exhausted = True
                return None
            order.append(plan.index)
            return plan, 1

        while True:
            for i in range(len(slots)):
                while True:
                    slot = slots[i]
                    if slot is not None and (slot.retiring or len(slot.queue) >= PREFETCH):
                        break
                    work = next_work()
                    if work is None:
                        break
                    if slot is None:
                        slot = slots[i] = self._start(source)
                    slot.conn.send(work[0])
                    slot.queue.append(work)
            while order and order[0] in done:
                yield done.pop(order.popleft())
            if not order:
                return
            busy = [s for s in slots if s is not None and s.queue]
            ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy])
            for i, slot in enumerate(slots):
                if slot is not None and (
                    slot.conn in ready or (slot.queue and slot.process.sentinel in ready)
                ):
                    slots[i] = self._receive(source, slot, done, retry)

    def _receive(
        self,
        source: InputSource,
        slot: _Slot,
        done: dict[int, BatchResult],
        retry: deque[tuple[BatchPlan, int]],
    ) -> _Slot | None:
        """Take one message (or notice a death); return the slot, or None when its worker is gone."""
        try:
            kind, payload = slot.conn.recv()
        except (EOFError, OSError):
            self._bury(source, slot, done, retry)
            return None
        if kind == "fatal":
            raise KarteError(
                f"ワーカーを起動できません: {payload} (worker failed to start)", type="worker_error"
            )
        if kind == "error":
            raise KarteError(f"{payload} (batch failed in {slot.name})", type="worker_error")
        result: BatchResult = payload
        slot.queue.popleft()
        done[result.index] = result
        self.worker_peak_rss[slot.name] = max(self.worker_peak_rss.get(slot.name, 0), result.worker_rss)
        if self.memory_cap is not None and result.worker_rss > self.memory_cap and not slot.retiring:
            slot.retiring = True
            self.events.append(
                f"{slot.name} のメモリ {result.worker_rss / MIB:.0f} MiB が"
                f"上限 {self.memory_cap / MIB:.0f} MiB "
                f"を超えたため新しいワーカーに交代します (worker over its memory cap: restarted)"
            )
        if slot.retiring and not slot.queue:
            self._stop(slot)
            return None
        return slot

    def _bury(
        self,
        source: InputSource,
        slot: _Slot,
        done: dict[int, BatchResult],
        retry: deque[tuple[BatchPlan, int]],
    ) -> None:
        """A worker died: retry its current batch (or give up on it) and requeue the ones behind it."""
        slot.process.join(_STOP_TIMEOUT)
        code = slot.process.exitcode
        slot.conn.close()
        if not slot.queue:
            return
        (plan, attempt), *innocent = slot.queue
        if attempt < MAX_ATTEMPTS:
            self.events.append(
                f"{slot.name} が終了しました (終了コード {code})。"
                f"バッチ {plan.index} を新しいワーカーで再実行します "
                f"(worker died with exit code {code}; batch retried in a fresh worker)"
            )
            retry.append((plan, attempt + 1))
        else:
            self.events.append(
                f"バッチ {plan.index} の処理中にワーカーが {attempt} 回終了しました (終了コード {code})。"
                f"このバッチの {plan.records} 件はエラーとして出力します "
                f"(batch killed its worker {attempt} times: its records are written as errors)"
            )
            done[plan.index] = failed_batch(source, plan, code)
        retry.extend(innocent)  # batches queued behind it never started: not their fault


def failed_batch(source: InputSource, plan: BatchPlan, exit_code: int | None) -> BatchResult:
    """Error lines for every record of a batch that no worker survived."""
    records = []
    for raw in source.read(plan):
        rid = raw.error_id
        if rid is None and isinstance(raw.value, dict) and id_key(raw.value) is not None:
            rid = raw.value["id"]
        info = ErrorInfo(
            type="worker_failed",
            message=f"このレコードを含むバッチ {plan.index} の処理中にワーカーが異常終了しました "
            f"(終了コード {exit_code}) (the worker process died while processing this record's batch)",
            line=raw.line,
        )
        out = {"id": rid, "error": info.model_dump(exclude_none=True)}
        records.append(processed(raw.line, out, id_key(raw.value) if raw.error is None else None))
    return BatchResult(plan.index, records)
