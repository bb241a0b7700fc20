"""A Parquet file: one record per row (column name → field), planned as row ranges.

A null cell means the field is absent (a table has one schema, so a row without ``document_id``
still has the column). Row numbers (1-based) stand in for line numbers in messages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from karte.batch.plans import BatchPlan, RawRecord
from karte.batch.sources.base import InputSource, Unit, file_sample_digest
from karte.errors import ConfigError, InputError

_SCAN_ROWS = 4096


def require_pyarrow() -> tuple[Any, Any]:
    """``(pyarrow, pyarrow.parquet)``, or a clear error saying how to install them."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow comes with karte
        raise ConfigError(
            "Parquet の読み書きには pyarrow が必要です: pip install pyarrow "
            "(pyarrow is needed to read or write Parquet)",
            field="format",
        ) from exc
    return pa, pq


def _parquet() -> Any:
    return require_pyarrow()[1]


def _row_values(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None}


@dataclass
class ParquetSource(InputSource):
    path: str
    kind = "parquet"
    _cache: tuple[tuple[int, ...], Any] | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "_cache": None}  # the row-group cache stays in its process

    def describe(self) -> str:
        return self.path

    def _file(self) -> Any:
        try:
            return _parquet().ParquetFile(self.path)
        except (OSError, ValueError) as exc:
            raise InputError(
                f"{self.path}: Parquet として読めません: {exc} (not a readable Parquet file)", field="input"
            ) from exc

    def fingerprint(self) -> dict[str, Any]:
        size = Path(self.path).stat().st_size
        return {"kind": self.kind, "size": size, "sample_sha256": file_sample_digest(self.path, size)}

    def count(self) -> int:
        return int(self._file().metadata.num_rows)

    def units(self) -> Iterator[Unit]:
        row = 0
        for batch in self._file().iter_batches(batch_size=_SCAN_ROWS):
            for values in batch.to_pylist():
                values = _row_values(values)
                chars = sum(len(v) for v in values.values() if isinstance(v, str))
                raw = json.dumps(values, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
                yield Unit(chars, raw, row)
                row += 1

    def locator(self, parts: list[Any]) -> dict[str, Any]:
        return {"row_start": parts[0], "rows": len(parts)}

    def read(self, plan: BatchPlan) -> list[RawRecord]:
        start, rows = plan.locator["row_start"], plan.locator["rows"]
        pf = self._file()
        groups: list[int] = []
        group_start = 0
        first_group_start = 0
        for i in range(pf.metadata.num_row_groups):
            n = pf.metadata.row_group(i).num_rows
            if group_start + n > start and group_start < start + rows:
                if not groups:
                    first_group_start = group_start
                groups.append(i)
            group_start += n
        key = tuple(groups)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, pf.read_row_groups(groups))
        table = self._cache[1].slice(start - first_group_start, rows)
        return [
            RawRecord(line=start + i + 1, value=_row_values(values))
            for i, values in enumerate(table.to_pylist())
        ]
