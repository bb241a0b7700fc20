"""Writing patient records in batches, so that a bad record fails alone.

A record is written whole or not at all. Replacing a patient deletes all of its children first,
so that children missing from the new record disappear. A child id already stored under another
patient is a conflict: that record fails, the others are written.

A batch is checked with a few queries and written with one multi-row INSERT per table. If the
database refuses a row, or records of the batch share ids (so that their order matters), the
batch is written again one record at a time, each in its own savepoint.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from pydantic import BaseModel, Field
from sqlalchemy import Column, Connection, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from karte.errors import ErrorInfo, InputError, KarteError
from karte.records.models import PatientRecord
from karte.records.store.convert import child_rows, patient_row
from karte.records.store.engine import describe
from karte.records.store.schema import CHILD_TABLES, patients

_CHUNK = 500  # ids per IN (...) list: well below SQLite's and PostgreSQL's bind-parameter limits
_DB_ERRORS = (SQLAlchemyError, UnicodeError)  # refused by the database or its driver
_KIND_JA = {
    "documents": "文書",
    "observations": "検査結果",
    "medications": "薬剤",
    "allergies": "アレルギー",
    "conditions": "病名",
}
_KIND_EN = {
    "documents": "document",
    "observations": "observation",
    "medications": "medication",
    "allergies": "allergy",
    "conditions": "condition",
}


class ConflictError(KarteError):
    """A record clashes with what is stored (an id owned by another patient, a duplicate id)."""

    type = "conflict"


class StoreRecordError(BaseModel):
    """A record that was not written: ``{"id": patient id, "error": …}``."""

    id: str
    error: ErrorInfo


class StoreWriteReport(BaseModel):
    """What :meth:`Store.add_records` wrote: rows per kind, replaced and skipped patients, errors."""

    patients: int = 0
    documents: int = 0
    observations: int = 0
    medications: int = 0
    allergies: int = 0
    conditions: int = 0
    replaced: int = Field(default=0, description="Patients that existed and were replaced")
    skipped: list[str] = Field(default_factory=list, description="Existing patients left as they were")
    errors: list[StoreRecordError] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def merge(self, other: StoreWriteReport) -> None:
        for name in ("patients", "replaced", *CHILD_TABLES):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped.extend(other.skipped)
        self.errors.extend(other.errors)


Owners = dict[str, dict[str, str | None]]  # kind → child id → patient id stored for it


def write_batch(conn: Connection, records: Sequence[PatientRecord], *, replace: bool) -> StoreWriteReport:
    """Write ``records`` on ``conn`` (inside the caller's transaction) and report what happened."""
    if len(records) > 1 and not _overlapping(records):
        try:
            with conn.begin_nested():
                return _write(conn, records, replace=replace)
        except _DB_ERRORS:
            pass  # some row is refused: find out which, one record at a time
    report = StoreWriteReport()
    for record in records:
        try:
            with conn.begin_nested():
                report.merge(_write(conn, [record], replace=replace))
        except _DB_ERRORS as exc:
            message = (
                f"患者 '{record.id}' を保存できません: {_reason(exc)} (cannot store patient '{record.id}')"
            )
            report.errors.append(
                StoreRecordError(id=record.id, error=ErrorInfo(type="store_error", message=message))
            )
    return report


def _write(conn: Connection, records: Sequence[PatientRecord], *, replace: bool) -> StoreWriteReport:
    report = StoreWriteReport()
    existing = set(_lookup(conn, patients.c.id, patients.c.id, [r.id for r in records]))
    owners: Owners = {
        kind: _lookup(conn, table.c.id, table.c.patient_id, [c.id for r in records for c in getattr(r, kind)])
        for kind, table in CHILD_TABLES.items()
    }
    accepted: list[PatientRecord] = []
    for record in records:
        if record.id in existing and not replace:
            report.skipped.append(record.id)
            continue
        try:
            _check(record, owners)
        except KarteError as exc:
            report.errors.append(StoreRecordError(id=record.id, error=exc.info()))
            continue
        accepted.append(record)
    for chunk in _chunks([r.id for r in accepted if r.id in existing]):
        for table in CHILD_TABLES.values():
            conn.execute(delete(table).where(table.c.patient_id.in_(chunk)))
        conn.execute(delete(patients).where(patients.c.id.in_(chunk)))
    if accepted:
        conn.execute(insert(patients), [patient_row(r) for r in accepted])
    for kind, table in CHILD_TABLES.items():
        rows = [row for record in accepted for row in child_rows(record, kind)]
        if rows:
            conn.execute(insert(table), rows)
        setattr(report, kind, len(rows))
    report.patients = len(accepted)
    report.replaced = sum(r.id in existing for r in accepted)
    return report


def _lookup(
    conn: Connection, key: Column[str], value: Column[str], ids: Sequence[str]
) -> dict[str, str | None]:
    """``{key: value}`` of the stored rows whose ``key`` is one of ``ids``."""
    found: dict[str, str | None] = {}
    for chunk in _chunks(ids):
        for found_key, found_value in conn.execute(select(key, value).where(key.in_(chunk))):
            found[found_key] = found_value
    return found


def _check(record: PatientRecord, owners: Owners) -> None:
    """Refuse children listed twice, or whose id is stored under another patient (or under none)."""
    _check_finite(record)
    for kind in CHILD_TABLES:
        seen: set[str] = set()
        for child in getattr(record, kind):
            if child.id in seen:
                raise ConflictError(
                    f"{_KIND_JA[kind]} '{child.id}' が患者 '{record.id}' の中で重複しています"
                    f" ({_KIND_EN[kind]} '{child.id}' appears twice in patient '{record.id}')",
                    field=kind,
                    record_id=record.id,
                )
            seen.add(child.id)
            if child.id in owners[kind] and owners[kind][child.id] != record.id:
                owner = owners[kind][child.id] or "(なし/none)"
                raise ConflictError(
                    f"{_KIND_JA[kind]} '{child.id}' は既に別の患者 '{owner}' のものとして保存されています"
                    f" ({_KIND_EN[kind]} '{child.id}' is already stored under patient '{owner}')",
                    field=kind,
                    record_id=record.id,
                )


def _check_finite(record: PatientRecord) -> None:
    """Refuse NaN and infinite numbers: SQLite would store NULL and the record would not read back."""
    for observation in record.observations:
        for name in ("value", "reference_low", "reference_high"):
            number = getattr(observation, name)
            if number is not None and not math.isfinite(number):
                raise InputError(
                    f"検査結果 '{observation.id}' の {name} が有限の数ではありません ({number})"
                    f" (observation '{observation.id}': {name} is not a finite number)",
                    field=f"observations.{name}",
                    record_id=record.id,
                )


def _overlapping(records: Sequence[PatientRecord]) -> bool:
    """Whether two records share a patient id or a child id (then they must be written in order)."""
    patient_ids = {r.id for r in records}
    if len(patient_ids) < len(records):
        return True
    for kind in CHILD_TABLES:
        owner: dict[str, str] = {}
        for record in records:
            for child in getattr(record, kind):
                if owner.setdefault(child.id, record.id) != record.id:
                    return True
    return False


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _reason(exc: Exception) -> str:
    return describe(exc) if isinstance(exc, SQLAlchemyError) else str(exc)
