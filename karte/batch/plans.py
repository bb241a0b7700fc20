"""The plain data that moves between the driver and the workers (processes or Ray actors).

Nothing here holds an open file, a model or a pydantic object: every value pickles cheaply, so a
batch can be planned in the driver, read and processed in a worker, and written back in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class BatchPlan:
    """Where one batch of input records lies, without the records themselves.

    ``locator`` is source-specific plain data (a byte range, a row range, a list of paths or ids);
    ``digest`` fingerprints the batch's input so that a resumed run can prove the input is unchanged.
    """

    index: int  # 0-based position of the batch in the run
    first_record: int  # 0-based position of its first record in the input
    records: int
    chars: int
    locator: dict[str, Any]
    digest: str


@dataclass
class RawRecord:
    """One input record as read: a value for the task, or an error found while reading it."""

    line: int  # 1-based line (JSONL), row (Parquet) or position (folder, store)
    value: Any = None
    error: dict[str, Any] | None = None  # ErrorInfo as a dict, when the record could not be read
    error_id: str | int | None = None  # the id to report with a read error (e.g. a note's path)
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProcessedRecord:
    """One output line, already serialised, and what the driver needs to check and count it."""

    line: int
    output: str  # the output object as one JSON line (without the newline)
    id_key: tuple[str, str | int] | None  # (type name, id) for a usable id, else None
    error_type: str | None  # None when the record succeeded
    id_text: str | None  # the id as text, for the Parquet ``id`` column


@dataclass
class BatchResult:
    """The outputs of one batch, in input order, plus what the worker observed."""

    index: int
    records: list[ProcessedRecord]
    notices: list[str] = field(default_factory=list)
    worker_rss: int = 0  # bytes resident in the worker after the batch
    worker: str = ""  # which worker processed it (for the report)
    cpu_seconds: float = 0.0  # CPU time the worker spent on the batch (reading and the task)
