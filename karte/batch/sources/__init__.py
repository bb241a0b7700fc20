"""Input sources of a batch run: JSONL, Parquet, a folder of notes, the record store."""

from __future__ import annotations

from pathlib import Path

from karte.batch.sources.base import DEFAULT_BATCH_CHARS, DEFAULT_BATCH_RECORDS, InputSource, Sizing
from karte.batch.sources.folder import FolderSource
from karte.batch.sources.jsonl import JsonlSource
from karte.batch.sources.parquet import ParquetSource
from karte.batch.sources.store import StoreSource
from karte.errors import InputError

STORE_INPUT = "store"
KINDS = ("auto", "jsonl", "parquet", "folder", "store")


def open_source(
    spec: str, *, kind: str = "auto", encoding: str = "auto", database_url: str = ""
) -> InputSource:
    """The source named by ``--input``: ``store`` (the configured store), a folder, a .parquet, or JSONL."""
    if kind not in KINDS:
        raise InputError(
            f"入力の種類 {kind!r} は使えません: {', '.join(KINDS)} (unknown input kind)", field="input"
        )
    if kind == "store" or (kind == "auto" and spec == STORE_INPUT):
        return StoreSource(database_url)
    if spec == "-":
        raise InputError(
            "batch は標準入力を読めません。ファイルを指定してください "
            "(batch needs a file: --resume must re-read it)",
            field="input",
        )
    path = Path(spec)
    if not path.exists():
        raise InputError(f"入力 {path} がありません (input not found)", field="input", type="not_found")
    if kind == "folder" or (kind == "auto" and path.is_dir()):
        if not path.is_dir():
            raise InputError(f"{path} はフォルダではありません (not a folder)", field="input")
        return FolderSource(str(path.resolve()))
    if path.is_dir():
        raise InputError(f"{path} はフォルダです: --input-kind folder (input is a folder)", field="input")
    if kind == "parquet" or (kind == "auto" and path.suffix.lower() in (".parquet", ".pq")):
        return ParquetSource(str(path.resolve()))
    return JsonlSource(str(path.resolve()), encoding=encoding)


__all__ = [
    "DEFAULT_BATCH_CHARS",
    "DEFAULT_BATCH_RECORDS",
    "FolderSource",
    "InputSource",
    "JsonlSource",
    "ParquetSource",
    "Sizing",
    "StoreSource",
    "open_source",
]
