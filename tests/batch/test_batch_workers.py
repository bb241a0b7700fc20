"""Worker processes: a memory cap replaces workers, a dying worker's batch is retried in a fresh one,
and a batch that keeps killing workers becomes error lines while the rest of the run goes on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from batch_inputs import karte_run_lines, notes_jsonl, shard_lines

from karte.batch import BatchConfig, run_batch
from karte.batch.sources import Sizing, open_source


@pytest.fixture
def crash_task() -> Iterator[str]:
    """The test-only task, registered for this test alone (imported here, not at collection)."""
    import batch_test_tasks

    batch_test_tasks.register()
    yield batch_test_tasks.CRASH_TASK
    batch_test_tasks.unregister()


def _records(texts: list[str]) -> bytes:
    return "".join(
        json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts)
    ).encode()


def test_memory_cap_restarts_workers_and_loses_nothing(tmp_path: Path) -> None:
    data = notes_jsonl(12, bad_lines=False)
    (tmp_path / "in.jsonl").write_bytes(data)
    out = tmp_path / "out"
    config = BatchConfig(
        "sections",
        open_source(str(tmp_path / "in.jsonl")),
        out,
        workers=1,
        sizing=Sizing(10**6, 4),
        memory_cap_mb=1,  # every worker is over 1 MiB after its first batch
    )
    report = run_batch(config)
    assert shard_lines(out) == karte_run_lines("sections", data)
    assert len(report.events) >= 2 and all("MiB" in e for e in report.events)
    assert len(report.worker_peak_rss) >= 2  # a fresh worker took over
    assert report.manifest.worker_restarts == report.events


def test_worker_death_is_retried_in_a_fresh_worker(tmp_path: Path, crash_task: str) -> None:
    texts = ["一", "二", "CRASH-ONCE", "三", "四", "五"]
    (tmp_path / "in.jsonl").write_bytes(_records(texts))
    out = tmp_path / "out"
    report = run_batch(
        BatchConfig(
            crash_task, open_source(str(tmp_path / "in.jsonl")), out, workers=2, sizing=Sizing(10**6, 2)
        )
    )
    lines = [json.loads(x) for x in shard_lines(out)]
    assert [x.get("length") for x in lines] == [len(t) for t in texts]
    assert any("終了コード 4" in e for e in report.events)


def test_batch_that_always_kills_its_worker_becomes_errors(tmp_path: Path, crash_task: str) -> None:
    texts = ["一", "二", "CRASH", "三", "四", "五"]
    (tmp_path / "in.jsonl").write_bytes(_records(texts))
    out = tmp_path / "out"
    report = run_batch(
        BatchConfig(
            crash_task, open_source(str(tmp_path / "in.jsonl")), out, workers=1, sizing=Sizing(10**6, 2)
        )
    )
    lines = [json.loads(x) for x in shard_lines(out)]
    assert [x["id"] for x in lines] == list(range(6))  # nothing lost, in order
    assert [x.get("error", {}).get("type") for x in lines] == [
        None,
        None,
        "worker_failed",
        "worker_failed",
        None,
        None,
    ]
    assert report.manifest.counts.errors == 2
    assert len((out / "errors.jsonl").read_text(encoding="utf-8").splitlines()) == 2
