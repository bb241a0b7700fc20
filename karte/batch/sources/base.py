"""What every input source offers: a fingerprint, a record count, a streaming plan of batches, and
a reader for one planned batch.

A source object holds only plain values (paths, URLs), so it pickles into worker processes and Ray
actors; ``plan`` runs in the driver, ``read`` wherever the batch is processed.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from karte.batch.plans import BatchPlan, RawRecord

DEFAULT_BATCH_CHARS = 200_000
DEFAULT_BATCH_RECORDS = 1_000


@dataclass(frozen=True)
class Sizing:
    """A batch closes when it reaches ``chars`` characters of input or ``records`` records."""

    chars: int = DEFAULT_BATCH_CHARS
    records: int = DEFAULT_BATCH_RECORDS


@dataclass(frozen=True)
class Unit:
    """One record as the planner sees it: its size, bytes for the digest, and its locator part."""

    chars: int
    digest_bytes: bytes
    part: Any


class InputSource(ABC):
    """An input of a batch run. Subclasses are dataclasses of plain values."""

    kind: str = ""

    @abstractmethod
    def describe(self) -> str:
        """Where the input is, for messages."""

    @abstractmethod
    def fingerprint(self) -> dict[str, Any]:
        """Values that change when the input changes (compared on ``--resume``)."""

    @abstractmethod
    def count(self) -> int | None:
        """How many records the input holds, if it can be told cheaply (for the ETA)."""

    @abstractmethod
    def units(self) -> Iterator[Unit]:
        """Every record in input order, as the planner sees it (driver side)."""

    @abstractmethod
    def locator(self, parts: list[Any]) -> dict[str, Any]:
        """The locator of a batch made of these units' parts."""

    @abstractmethod
    def read(self, plan: BatchPlan) -> list[RawRecord]:
        """Read the records of one planned batch (worker side)."""

    def notices(self) -> list[str]:
        """Warnings found while planning (files skipped …), shown at the end of the run."""
        return []

    def plan(self, sizing: Sizing) -> Iterator[BatchPlan]:
        """Cut the input into batches by characters and records, streaming."""
        return cut_batches(self.units(), sizing, self.locator)


def cut_batches(
    units: Iterable[Unit], sizing: Sizing, make_locator: Callable[[list[Any]], dict[str, Any]]
) -> Iterator[BatchPlan]:
    index = 0
    first_record = 0
    parts: list[Any] = []
    chars = 0
    digest = hashlib.blake2b(digest_size=16)
    for unit in units:
        parts.append(unit.part)
        chars += unit.chars
        digest.update(len(unit.digest_bytes).to_bytes(8, "little"))
        digest.update(unit.digest_bytes)
        if chars >= sizing.chars or len(parts) >= sizing.records:
            yield BatchPlan(index, first_record, len(parts), chars, make_locator(parts), digest.hexdigest())
            index += 1
            first_record += len(parts)
            parts, chars = [], 0
            digest = hashlib.blake2b(digest_size=16)
    if parts:
        yield BatchPlan(index, first_record, len(parts), chars, make_locator(parts), digest.hexdigest())


def file_sample_digest(path: str, size: int, sample: int = 1 << 20) -> str:
    """SHA-256 of a file's first and last ``sample`` bytes (a cheap fingerprint of a large file)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read(sample))
        if size > sample:
            fh.seek(max(sample, size - sample))
            h.update(fh.read(sample))
    return h.hexdigest()
