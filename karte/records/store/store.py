"""The record store: patients and everything about them, in SQLite or PostgreSQL.

>>> with open_store("sqlite:///:memory:") as store:
...     report = store.add_records([PatientRecord(id="P1")])
...     store.patient_ids()
['P1']

What comes out equals what went in (as pydantic models). Reads that stream (``iter_*``) fetch a
batch per short transaction, so a long iteration holds no lock while the caller works. The store
is safe to share between threads, except in-memory SQLite (``sqlite://``): it is one connection,
for tests and demos, to be used by one thread at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Connection, RowMapping, Table, delete, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from karte.config import get_settings
from karte.errors import ConfigError, NotFoundError
from karte.records.models import Document, PatientRecord
from karte.records.store import engine as _engine
from karte.records.store.convert import document_from_row, record_from_rows
from karte.records.store.engine import WRITE, StoreError, describe, normalize_url, sqlite_path
from karte.records.store.schema import CHILD_TABLES, patients
from karte.records.store.writer import StoreRecordError, StoreWriteReport, write_batch

_CHUNK = 500
_BATCH_TEXT = 50_000_000  # characters of document text per transaction, at most
_documents = CHILD_TABLES["documents"]
Children = dict[str, list[RowMapping]]


class Store:
    """A record store at a database URL. :func:`open_store` also migrates it; ``Store(url)`` does not."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self._engine = _engine.make_engine(self.url)

    def __repr__(self) -> str:
        return f"Store({self._safe_url()!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close all connections. A file or server database can be used again (the store reconnects);
        an in-memory SQLite database is gone."""
        self._engine.dispose()

    # -- schema -----------------------------------------------------------------------------------

    def upgrade(self) -> str:
        """Migrate the database to the newest schema revision and return it (idempotent)."""
        with self._errors("データベースに接続できないか、移行できません", "cannot open the database"):
            return _engine.upgrade(self._engine)

    def revision(self) -> str | None:
        """The schema revision of the database (``None`` when it was never migrated)."""
        with self._errors("データベースを読めません", "cannot read the database"):
            return _engine.current_revision(self._engine)

    # -- writing ----------------------------------------------------------------------------------

    def add_records(
        self, records: Iterable[PatientRecord], *, replace: bool = True, batch_size: int = 500
    ) -> StoreWriteReport:
        """Store patient records, committing every ``batch_size`` records.

        With ``replace`` an existing patient is replaced with all of its children; without, it is
        left as it is and listed in ``skipped``. A record that cannot be written (e.g. a document id
        stored under another patient) is listed in ``errors``; the other records are written.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        report = StoreWriteReport()
        with self._errors("データベースに書き込めません", "cannot write to the database"):
            with self._engine.connect().execution_options(**{WRITE: True}) as conn:
                for batch in _batches_of(records, batch_size):
                    with conn.begin():
                        written = write_batch(conn, batch, replace=replace)
                    report.merge(written)
        return report

    def delete_patient(self, patient_id: str) -> None:
        """Delete a patient and all of its children (:class:`NotFoundError` if there is none)."""
        with self._errors("データベースに書き込めません", "cannot write to the database"):
            with self._engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
                if conn.execute(select(patients.c.id).where(patients.c.id == patient_id)).first() is None:
                    raise _patient_not_found(patient_id)
                for table in CHILD_TABLES.values():
                    conn.execute(delete(table).where(table.c.patient_id == patient_id))
                conn.execute(delete(patients).where(patients.c.id == patient_id))

    # -- reading ----------------------------------------------------------------------------------

    def get_patient_record(self, patient_id: str) -> PatientRecord:
        with self._read() as conn:
            row = conn.execute(select(patients).where(patients.c.id == patient_id)).mappings().first()
            if row is None:
                raise _patient_not_found(patient_id)
            children = _children(conn, [patient_id])
        return record_from_rows(row, children[patient_id])

    def get_document(self, document_id: str) -> Document:
        with self._read() as conn:
            row = conn.execute(select(_documents).where(_documents.c.id == document_id)).mappings().first()
        if row is None:
            raise NotFoundError(
                f"文書 '{document_id}' が見つかりません (document '{document_id}' not found)",
                record_id=document_id,
            )
        return document_from_row(row)

    def iter_patient_records(self, batch_size: int = 200) -> Iterator[PatientRecord]:
        """All patient records in id order, ``batch_size`` patients per query."""
        for rows, children in self._batches(patients, batch_size, with_children=True):
            yield from [record_from_rows(row, children[row["id"]]) for row in rows]

    def iter_documents(self, batch_size: int = 50) -> Iterator[Document]:
        """All documents in id order, ``batch_size`` documents per query."""
        for rows, _ in self._batches(_documents, batch_size, with_children=False):
            yield from [document_from_row(row) for row in rows]

    def patient_ids(self) -> list[str]:
        with self._read() as conn:
            return list(conn.scalars(select(patients.c.id).order_by(patients.c.id)))

    def counts(self) -> dict[str, int]:
        """Rows per table: ``patients``, ``documents``, ``observations`` …"""
        tables: dict[str, Table] = {"patients": patients, **CHILD_TABLES}
        with self._read() as conn:
            return {
                name: int(conn.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in tables.items()
            }

    # -- helpers ----------------------------------------------------------------------------------

    def _batches(
        self, table: Table, batch_size: int, *, with_children: bool
    ) -> Iterator[tuple[Sequence[RowMapping], dict[str, Children]]]:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        last: str | None = None
        while True:
            query = select(table).order_by(table.c.id).limit(batch_size)
            if last is not None:
                query = query.where(table.c.id > last)
            with self._read() as conn:
                rows = conn.execute(query).mappings().all()
                children = _children(conn, [row["id"] for row in rows]) if with_children and rows else {}
            if not rows:
                return
            yield rows, children
            last = rows[-1]["id"]

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection in one transaction (one snapshot, also on PostgreSQL) for a consistent read."""
        with self._errors("データベースを読めません", "cannot read the database"):
            with self._engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn

    @contextmanager
    def _errors(self, ja: str, en: str) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            raise StoreError(f"{ja}: {describe(exc)} ({en} {self._safe_url()})") from exc

    def _safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)


def open_store(url: str | None = None) -> Store:
    """Open (and migrate to the newest schema) the store at ``url``, default the configured database.

    The directory of a SQLite file is created if needed. ``postgresql://`` URLs use psycopg 3.
    """
    store = Store(url or get_settings().database_url)
    try:
        path = sqlite_path(store.url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(
                    f"データベースのディレクトリ {path.parent} を作成できません: {exc}"
                    f" (cannot create the database directory)",
                    field="db",
                ) from exc
        store.upgrade()
    except BaseException:
        store.close()
        raise
    return store


def _batches_of(records: Iterable[PatientRecord], size: int) -> Iterator[list[PatientRecord]]:
    """Lists of ``size`` records, or fewer when their documents reach :data:`_BATCH_TEXT` characters."""
    batch: list[PatientRecord] = []
    text = 0
    for record in records:
        batch.append(record)
        text += sum(len(document.text) for document in record.documents)
        if len(batch) >= size or text >= _BATCH_TEXT:
            yield batch
            batch, text = [], 0
    if batch:
        yield batch


def _children(conn: Connection, patient_ids: Sequence[str]) -> dict[str, Children]:
    """The child rows of each patient, by kind, in their original order."""
    out: dict[str, Children] = {pid: {kind: [] for kind in CHILD_TABLES} for pid in patient_ids}
    for kind, table in CHILD_TABLES.items():
        for start in range(0, len(patient_ids), _CHUNK):
            chunk = patient_ids[start : start + _CHUNK]
            query = (
                select(table).where(table.c.patient_id.in_(chunk)).order_by(table.c.patient_id, table.c.seq)
            )
            for row in conn.execute(query).mappings():
                out[row["patient_id"]][kind].append(row)
    return out


def _patient_not_found(patient_id: str) -> NotFoundError:
    return NotFoundError(
        f"患者 '{patient_id}' が見つかりません (patient '{patient_id}' not found)", record_id=patient_id
    )


__all__ = ["Store", "StoreRecordError", "StoreWriteReport", "open_store"]
