"""A JSONL file, planned as byte ranges of whole lines and parsed exactly as ``karte run`` parses it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from karte.batch.plans import BatchPlan, RawRecord
from karte.batch.sources.base import InputSource, Unit, file_sample_digest
from karte.tasks.jsonl_io import BOM, ParsedLine, parse_lines


def to_raw(item: ParsedLine) -> RawRecord:
    error = item.error.model_dump(exclude_none=True) if item.error is not None else None
    return RawRecord(line=item.line, value=item.value, error=error, notices=list(item.notices))


@dataclass
class JsonlSource(InputSource):
    """``{"id": …, …}`` per line; blank lines are skipped but counted, as in ``karte run``."""

    path: str
    encoding: str = "auto"
    kind = "jsonl"

    def describe(self) -> str:
        return self.path

    def fingerprint(self) -> dict[str, Any]:
        size = Path(self.path).stat().st_size
        return {"kind": self.kind, "size": size, "sample_sha256": file_sample_digest(self.path, size)}

    def count(self) -> int:
        with open(self.path, "rb") as fh:
            return sum(1 for number, raw in enumerate(fh, 1) if _content(raw, number))

    def units(self) -> Iterator[Unit]:
        offset = 0
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if _content(raw, number):
                    chars = len(raw.decode("utf-8", "replace"))
                    yield Unit(chars, raw, (offset, len(raw), number))
                offset += len(raw)

    def locator(self, parts: list[Any]) -> dict[str, Any]:
        start, _, first_line = parts[0]
        last_start, last_length, _ = parts[-1]
        return {"offset": start, "length": last_start + last_length - start, "first_line": first_line}

    def read(self, plan: BatchPlan) -> list[RawRecord]:
        loc = plan.locator
        with open(self.path, "rb") as fh:
            fh.seek(loc["offset"])
            data = fh.read(loc["length"])
        lines = io.BytesIO(data)
        return [to_raw(p) for p in parse_lines(lines, first_line=loc["first_line"], encoding=self.encoding)]


def _content(raw: bytes, number: int) -> bool:
    """Whether a line holds a record (``parse_jsonl`` skips blank lines and a lone BOM)."""
    if number == 1 and raw.startswith(BOM):
        raw = raw[len(BOM) :]
    return bool(raw.strip())
