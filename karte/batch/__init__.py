"""Batch runs at hospital scale: streaming input, shards with a manifest, checkpoints and resume,
worker processes (local engine) or a Ray cluster (Ray engine), over the same task registry.

    from karte.batch import BatchConfig, run_batch
    from karte.batch.sources import open_source
    run_batch(BatchConfig("sections", open_source("notes.jsonl"), Path("out"), workers=2))
"""

from karte.batch.driver import BatchConfig, BatchReport, Progress, run_batch

__all__ = ["BatchConfig", "BatchReport", "Progress", "run_batch"]
