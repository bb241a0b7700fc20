"""Checks before a run is resumed: same task, same input, finished shards intact on disk."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from karte.batch.manifest import Manifest
from karte.batch.plans import BatchPlan
from karte.errors import InputError


def check_resumable(manifest: Manifest, task: str, fingerprint: dict[str, Any], folder: Path) -> None:
    if manifest.task != task:
        raise InputError(
            f"{folder} の前回の実行はタスク {manifest.task!r} です。--resume では同じタスク "
            f"{task!r} しか続けられません (the earlier run in this folder is task {manifest.task!r}, "
            f"not {task!r})",
            field="task",
        )
    before = manifest.input.fingerprint
    if before != fingerprint:
        changed = sorted(k for k in set(before) | set(fingerprint) if before.get(k) != fingerprint.get(k))
        raise InputError(
            f"入力が前回の実行と違います (変わった項目: {', '.join(changed)})。前回の入力: "
            f"{manifest.input.source}。同じ入力で --resume するか、新しい出力フォルダで実行してください "
            "(the input differs from the earlier run's: resume with the same input, or use a new folder)",
            field="input",
        )
    for shard in manifest.shards:
        path = folder / shard.file
        if not path.is_file() or path.stat().st_size != shard.bytes:
            raise InputError(
                f"完了済みのシャード {path} がないか、大きさが記録と違います。出力フォルダを新しくして"
                "やり直してください (a finished shard is missing or has changed size)",
                field="output",
            )


def skip_done_batches(plans: Iterable[BatchPlan], manifest: Manifest) -> Iterator[BatchPlan]:
    """Consume the batches of the finished shards now, proving their input is unchanged; return the rest."""
    it = iter(plans)
    for shard in manifest.shards:
        digest = hashlib.blake2b(digest_size=16)
        records = 0
        for _ in range(shard.batches):
            plan = next(it, None)
            if plan is None:
                break
            digest.update(plan.digest.encode("ascii"))
            records += plan.records
        if records != shard.records or digest.hexdigest() != shard.input_digest:
            last = shard.first_record + shard.records
            raise InputError(
                f"入力のレコード {shard.first_record + 1}–{last} (シャード {shard.file}) が前回の実行と"
                "違います。同じ入力で --resume するか、新しい出力フォルダで実行してください "
                f"(input records {shard.first_record + 1}-{last} changed since the earlier run)",
                field="input",
            )
    return it
