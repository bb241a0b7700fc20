"""On-disk layout of a knowledge index: a directory with a manifest and checksummed files.

::

    <dir>/manifest.json      format name and version, analyzer and encoder versions, settings,
                             sha256 of every other file
    <dir>/passages.jsonl     one Passage per line (id, text, metadata)
    <dir>/vectors.npy        float32 (n_passages, 512) sentence vectors (only with dense vectors)
    <dir>/bm25/…             the bm25s index (numpy arrays and JSON; no pickle)

A directory is written next to the target and renamed into place, so a crash never leaves a
half-written index where a good one was. Loading checks the format version, the analyzer and
encoder versions and every checksum, and refuses a mismatch with a message that says what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from karte.errors import ConfigError, InputError, NotFoundError
from karte.retrieval.models import IndexConfig, Passage

FORMAT_NAME = "karte-knowledge-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
VECTORS = "vectors.npy"
BM25_DIR = "bm25"


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str
    format_version: int
    analyzer: str
    encoder: str | None
    encoder_version: str | None
    config: IndexConfig
    n_passages: int
    files: dict[str, str]  # relative path → sha256


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksums(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): sha256_of(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def write_passages(path: Path, passages: list[Passage]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for p in passages:
            try:
                line = p.model_dump_json()
            except (TypeError, ValueError) as exc:
                raise InputError(
                    f"パッセージ {p.id!r} のメタデータを JSON にできません: {exc} "
                    f"(passage metadata is not JSON-serialisable)",
                    field="metadata",
                    record_id=p.id,
                ) from exc
            fh.write(line + "\n")


def read_passages(path: Path) -> list[Passage]:
    passages: list[Passage] = []
    with path.open("r", encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            try:
                passages.append(Passage.model_validate_json(line))
            except ValidationError as exc:
                raise ConfigError(
                    f"索引 {path} の {n} 行目が壊れています (corrupt passage line): {exc}",
                    field="passages",
                ) from exc
    return passages


def write_atomically(target: Path, fill: Callable[[Path], Manifest]) -> None:
    """Let ``fill`` write the index into a fresh sibling directory, then swap it into ``target``."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise InputError(
            f"{target} はディレクトリではありません (index path exists and is not a directory)",
            field="path",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        manifest = fill(staging)
        manifest.files = checksums(staging)
        (staging / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        if target.exists():
            target.rename(old)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old.exists() and not target.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def read_manifest(root: Path, *, analyzer: str) -> Manifest:
    """The checked manifest of the index in ``root`` (format, analyzer, checksums)."""
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise NotFoundError(
            f"索引が見つかりません: {path} がありません (no knowledge index at {root})", field="path"
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"索引のマニフェスト {path} を読めません: {exc} (unreadable manifest)") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
        raise ConfigError(
            f"{path} は Karte の知識索引ではありません (not a Karte knowledge index manifest)",
            field="format",
        )
    version = raw.get("format_version")
    if version != FORMAT_VERSION:
        raise ConfigError(
            f"索引の形式バージョン {version!r} はこの Karte では読めません（対応: {FORMAT_VERSION}）。"
            f"索引を作り直してください (unsupported index format version {version!r}; "
            f"expected {FORMAT_VERSION}: rebuild the index)",
            field="format_version",
        )
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"索引のマニフェスト {path} が不正です (invalid manifest): {exc}") from exc
    if manifest.analyzer != analyzer:
        raise ConfigError(
            f"索引は別の語の切り方（{manifest.analyzer}）で作られています（現在: {analyzer}）。"
            f"索引を作り直してください (index built with another analyzer: rebuild it)",
            field="analyzer",
        )
    for name, expected in manifest.files.items():
        file = Path(root) / name
        if not file.is_file() or sha256_of(file) != expected:
            raise ConfigError(
                f"索引のファイル {file} がないか壊れています（チェックサム不一致）。索引を作り直してください "
                f"(index file missing or corrupt: checksum mismatch)",
                field="files",
            )
    return manifest
