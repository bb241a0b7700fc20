"""The manifest of a batch run (``manifest.json``): what ran over what, and which shards are done.

It is the run's checkpoint: rewritten atomically (temporary file, fsync, rename, fsync of the folder)
after every shard, so after a crash it describes exactly the shards that are safely on disk.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from karte.errors import InputError

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "karte-batch/1"


class ShardEntry(BaseModel):
    index: int
    file: str
    first_record: int = Field(description="0-based position of the shard's first record in the input")
    records: int
    ok: int
    errors: int
    first_batch: int
    batches: int
    bytes: int
    sha256: str = Field(description="SHA-256 of the shard file")
    input_digest: str = Field(description="BLAKE2b over the digests of the shard's input batches")


class RunParams(BaseModel):
    batch_chars: int
    batch_records: int
    shard_batches: int
    output_format: Literal["jsonl", "parquet"]


class InputInfo(BaseModel):
    source: str
    fingerprint: dict[str, Any]


class Counts(BaseModel):
    records: int = 0
    ok: int = 0
    errors: int = 0
    errors_by_type: dict[str, int] = Field(default_factory=dict)

    def add(self, error_type: str | None) -> None:
        self.records += 1
        if error_type is None:
            self.ok += 1
        else:
            self.errors += 1
            self.errors_by_type[error_type] = self.errors_by_type.get(error_type, 0) + 1


class Manifest(BaseModel):
    format: str = MANIFEST_FORMAT
    task: str
    input: InputInfo
    params: RunParams
    engine: str
    workers: int
    shards: list[ShardEntry] = Field(default_factory=list)
    counts: Counts = Field(default_factory=Counts)
    errors_file: str = "errors.jsonl"
    errors_bytes: int = 0
    ids_file: str = ".ids.bin"
    ids_bytes: int = 0
    worker_restarts: list[str] = Field(default_factory=list)
    complete: bool = False
    started_at: str = Field(default_factory=lambda: now())
    updated_at: str = Field(default_factory=lambda: now())

    @property
    def next_batch(self) -> int:
        return self.shards[-1].first_batch + self.shards[-1].batches if self.shards else 0

    @property
    def next_record(self) -> int:
        return self.shards[-1].first_record + self.shards[-1].records if self.shards else 0


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def save_manifest(folder: Path, manifest: Manifest) -> None:
    manifest.updated_at = now()
    text = json.dumps(manifest.model_dump(mode="json"), ensure_ascii=False, indent=1)
    write_atomic(folder / MANIFEST_NAME, text.encode("utf-8"))


def load_manifest(folder: Path) -> Manifest | None:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest.model_validate(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError) as exc:
        raise InputError(
            f"{path} を読めません: {exc} (cannot read the batch manifest)", field="output"
        ) from exc
    if manifest.format != MANIFEST_FORMAT:
        raise InputError(
            f"{path} の形式 {manifest.format!r} はこの版では続行できません (unsupported manifest format)",
            field="output",
        )
    return manifest
