"""The Ray engine: Ray Data over the same task registry, for a cluster (``--address``) or one machine.

The driver plans the batches (the same plans as the local engine) and builds one dataset::

    from_items(plans) → map_batches(read, tasks) → map_batches(TaskActor, actor pool) → driver

Reading runs as light Ray tasks next to the data; each actor of the pool holds one task context,
so a pipeline or model cached with ``ctx.resource`` is loaded once per actor. For an LLM task an
actor is one model instance: ``--workers`` sets how many, ``--gpus-per-worker`` pins each to a GPU.
Rows travel as pickled plain records; the driver gets them back in input order
(``preserve_order``) and writes and checkpoints the shards exactly as with the local engine.
"""

from __future__ import annotations

import importlib
import logging
import pickle
from collections.abc import Iterable, Iterator
from typing import Any

from karte.batch.plans import BatchPlan, BatchResult, ProcessedRecord
from karte.batch.processor import BatchProcessor
from karte.batch.sources.base import InputSource
from karte.errors import ConfigError, KarteError

RAY_MISSING = (
    "Ray エンジンには Ray が必要です: pip install 'karte[ray]' "
    "(the ray engine needs Ray: pip install 'karte[ray]')"
)


def import_ray() -> Any:
    """Import Ray and Ray Data, or fail with a message that says how to install them."""
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ConfigError(RAY_MISSING, field="engine") from exc
    return ray


def read_batches(table: Any, source_blob: bytes) -> dict[str, list[Any]]:
    """Ray Data read stage: plans in, one row per input record out (pickled :class:`RawRecord`)."""
    source: InputSource = pickle.loads(source_blob)
    batches: list[int] = []
    raws: list[bytes] = []
    for blob in table.column("plan").to_pylist():
        plan: BatchPlan = pickle.loads(blob)
        records = source.read(plan)
        if len(records) != plan.records:
            raise KarteError(
                f"{source.describe()}: バッチ {plan.index} のレコード数が計画と違います。"
                "実行中に入力が変わりました "
                "(the input changed while the batch was running)",
                field="input",
            )
        batches.extend([plan.index] * len(records))
        raws.extend(pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL) for r in records)
    return {"batch": batches, "raw": raws}


class TaskActor:
    """One actor of the pool: the task's processor, built once and kept for the actor's life."""

    def __init__(self, task: str, task_module: str, settings: dict[str, Any]) -> None:
        importlib.import_module(task_module)
        self.processor = BatchProcessor(task, settings)

    def __call__(self, table: Any) -> dict[str, list[Any]]:
        from karte.batch.memory import current_rss

        out: dict[str, list[Any]] = {"batch": [], "record": [], "notices": [], "worker": [], "rss": []}
        batches = table.column("batch").to_pylist()
        for index, blob in zip(batches, table.column("raw").to_pylist(), strict=True):
            raw = pickle.loads(blob)
            record = self.processor.process(raw)
            out["batch"].append(index)
            out["record"].append(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
            out["notices"].append(pickle.dumps(raw.notices))
            out["worker"].append(self.processor.worker)
        rss = current_rss()
        out["rss"] = [rss] * len(out["batch"])
        return out


class RayEngine:
    name = "ray"

    def __init__(
        self,
        task: str,
        task_module: str,
        settings: dict[str, Any],
        *,
        workers: int = 1,
        address: str | None = None,
        cpus_per_worker: float = 1.0,
        gpus_per_worker: float = 0.0,
    ) -> None:
        self.task = task
        self.task_module = task_module
        self.settings = settings
        self.workers = max(1, workers)
        self.address = address
        self.cpus_per_worker = cpus_per_worker
        self.gpus_per_worker = gpus_per_worker
        self.events: list[str] = []
        self.worker_peak_rss: dict[str, int] = {}

    def _init(self, ray: Any) -> bool:
        """Connect to the cluster (or start a local Ray); True when this engine started it."""
        if ray.is_initialized():
            return False
        if self.address:
            ray.init(address=self.address, log_to_driver=False)
        else:
            ray.init(
                num_cpus=max(1, round(self.workers * self.cpus_per_worker)),
                include_dashboard=False,
                log_to_driver=False,
            )
        return True

    def run(self, source: InputSource, plans: Iterable[BatchPlan]) -> Iterator[BatchResult]:
        ray = import_ray()
        todo = list(plans)
        if not todo:
            return
        started = self._init(ray)
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        try:
            yield from self._execute(ray, source, todo)
        except KarteError:
            raise
        except Exception as exc:  # Ray's own failures (a node lost, an actor that cannot start)
            raise KarteError(
                f"Ray での実行が失敗しました: {type(exc).__name__}: {exc}。"
                "完了したシャードは残っています。--resume で続けられます "
                "(the Ray run failed; finished shards are kept: continue with --resume)",
                type="engine_error",
            ) from exc
        finally:
            if started:
                ray.shutdown()

    def _execute(self, ray: Any, source: InputSource, plans: list[BatchPlan]) -> Iterator[BatchResult]:
        data_context = ray.data.DataContext.get_current()
        data_context.execution_options.preserve_order = True
        data_context.enable_progress_bars = False
        rows = [{"plan": pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL)} for p in plans]
        ds = ray.data.from_items(rows, override_num_blocks=len(rows))
        ds = ds.map_batches(
            read_batches,
            batch_size=None,
            batch_format="pyarrow",
            fn_kwargs={"source_blob": pickle.dumps(source)},
            num_cpus=0,
        )
        ds = ds.map_batches(
            TaskActor,
            batch_size=None,
            batch_format="pyarrow",
            fn_constructor_kwargs={
                "task": self.task,
                "task_module": self.task_module,
                "settings": self.settings,
            },
            compute=ray.data.ActorPoolStrategy(size=self.workers),
            num_cpus=self.cpus_per_worker,
            num_gpus=self.gpus_per_worker or None,
        )
        by_index = {p.index: p for p in plans}
        current: BatchResult | None = None
        for table in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
            columns = {name: table.column(name).to_pylist() for name in table.column_names}
            for i, index in enumerate(columns["batch"]):
                if current is None:
                    current = BatchResult(index, [])
                elif current.index != index:
                    raise KarteError(f"Ray の出力順が崩れました (batch {index} before {current.index} ended)")
                record: ProcessedRecord = pickle.loads(columns["record"][i])
                current.records.append(record)
                current.notices.extend(pickle.loads(columns["notices"][i]))
                current.worker = columns["worker"][i]
                current.worker_rss = max(current.worker_rss, columns["rss"][i])
                if len(current.records) == by_index[index].records:
                    peak = self.worker_peak_rss.get(current.worker, 0)
                    self.worker_peak_rss[current.worker] = max(peak, current.worker_rss)
                    yield current
                    current = None
