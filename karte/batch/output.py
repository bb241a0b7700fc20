"""Writing a batch run's output folder: shard files, the errors file and the id digests.

A shard is written to ``<name>.tmp`` as its batches arrive and renamed when complete, after an
fsync; the errors file and the id-digest file are append-only and their checkpointed lengths are
kept in the manifest, so a resumed run cuts off whatever a crash left after the last checkpoint.

JSONL shards hold exactly the lines ``karte run`` writes. Parquet shards hold one row per record:
``record`` (0-based input position), ``id`` (as text), ``ok``, ``error_type`` and ``output`` (the
same JSON line), because task outputs differ in shape from record to record (errors vs results).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import IO, Any

from karte.batch.manifest import fsync_dir
from karte.batch.plans import ProcessedRecord
from karte.batch.sources.parquet import require_pyarrow

SHARD_PREFIX = "shard-"


def shard_name(index: int, output_format: str) -> str:
    return f"{SHARD_PREFIX}{index:06d}.{output_format}"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class ShardWriter:
    """One shard file being written; :meth:`finish` makes it durable and returns (bytes, sha256)."""

    def __init__(self, folder: Path, index: int, output_format: str) -> None:
        self.path = folder / shard_name(index, output_format)
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self.output_format = output_format
        self._sha = hashlib.sha256()
        self._size = 0
        self._fh: IO[bytes] | None = None
        self._parquet: Any = None
        if output_format == "jsonl":
            self._fh = self.tmp.open("wb")
        else:
            pa, pq = require_pyarrow()
            self._pa = pa
            self._schema = pa.schema(
                [
                    ("record", pa.int64()),
                    ("id", pa.string()),
                    ("ok", pa.bool_()),
                    ("error_type", pa.string()),
                    ("output", pa.string()),
                ]
            )
            self._parquet = pq.ParquetWriter(str(self.tmp), self._schema, compression="zstd")

    def write(self, first_record: int, records: list[ProcessedRecord]) -> None:
        if self._fh is not None:
            data = "".join(r.output + "\n" for r in records).encode("utf-8")
            self._fh.write(data)
            self._sha.update(data)
            self._size += len(data)
            return
        columns = {
            "record": [first_record + i for i in range(len(records))],
            "id": [r.id_text for r in records],
            "ok": [r.error_type is None for r in records],
            "error_type": [r.error_type for r in records],
            "output": [r.output for r in records],
        }
        self._parquet.write_table(self._pa.table(columns, schema=self._schema))

    def finish(self) -> tuple[int, str]:
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            size, sha = self._size, self._sha.hexdigest()
        else:
            self._parquet.close()
            with self.tmp.open("rb") as fh:
                os.fsync(fh.fileno())
            size, sha = self.tmp.stat().st_size, file_sha256(self.tmp)
        os.replace(self.tmp, self.path)
        fsync_dir(self.path.parent)
        return size, sha

    def abandon(self) -> None:
        if self._fh is not None:
            self._fh.close()
        elif self._parquet is not None:
            self._parquet.close()
        self.tmp.unlink(missing_ok=True)


class AppendLog:
    """An append-only file whose length at the last checkpoint is recorded in the manifest."""

    def __init__(self, path: Path, checkpointed: int) -> None:
        self.path = path
        with path.open("ab"):
            pass
        if path.stat().st_size != checkpointed:
            os.truncate(path, checkpointed)  # drop what a crash left after the last checkpoint
        self._fh = path.open("ab")
        self.size = checkpointed

    def append(self, data: bytes) -> None:
        self._fh.write(data)
        self.size += len(data)

    def sync(self) -> int:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return self.size

    def read_all(self) -> bytes:
        return self.path.read_bytes()[: self.size]

    def close(self) -> None:
        self._fh.close()
