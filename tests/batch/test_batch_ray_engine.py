"""The Ray engine (Ray Data, an actor pool holding the pipeline) on a local Ray instance with 2 CPUs
gives the same output as the local engine on the same input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from batch_inputs import notes_jsonl, shard_lines

from karte.batch import BatchConfig, run_batch
from karte.batch.manifest import load_manifest
from karte.batch.sources import Sizing, open_source

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'karte[ray]')")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_engine_equals_local_engine(tmp_path: Path, local_ray: Any) -> None:
    infile = tmp_path / "in.jsonl"
    infile.write_bytes(notes_jsonl(60))
    sizing = Sizing(chars=6000, records=7)
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    run_batch(
        BatchConfig("sections", open_source(str(infile)), local, workers=2, sizing=sizing, shard_batches=2)
    )
    report = run_batch(
        BatchConfig(
            "sections",
            open_source(str(infile)),
            on_ray,
            engine="ray",
            workers=2,
            sizing=sizing,
            shard_batches=2,
        )
    )
    assert shard_lines(on_ray) == shard_lines(local)
    assert (on_ray / "errors.jsonl").read_bytes() == (local / "errors.jsonl").read_bytes()
    m_local, m_ray = load_manifest(local), load_manifest(on_ray)
    assert m_local is not None and m_ray is not None and m_ray.complete and m_ray.engine == "ray"
    assert [s.sha256 for s in m_ray.shards] == [s.sha256 for s in m_local.shards]
    assert m_ray.counts == m_local.counts
    assert report.worker_peak_rss  # the actors reported their memory
