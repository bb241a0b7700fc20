"""The audit log: who did what to which patient's data, when and from where; hash-chained.

Each row's ``hash`` is SHA-256 over its own fields and the previous row's hash, so changing,
inserting or deleting a row breaks the chain from there on; :meth:`AuditLog.verify` walks it.
Appends are serialised (an advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) so the chain
stays a line. Deleting rows at the END leaves a valid shorter chain: keep the head that ``verify``
prints (``--anchor``) somewhere else and the next verification checks it is still there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine, insert, select, text

from karte.audit.tables import audit_log, utcnow
from karte.records.store.engine import WRITE

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 0x4B415544  # "KAUD": one appender at a time on PostgreSQL
_VERIFY_BATCH = 2000
_MAX_PROBLEMS = 20


class AuditEvent(BaseModel):
    """One thing that happened. ``outcome``: ok | denied | error."""

    actor: str = Field(description="User name, 'apikey:NAME@user', or 'anonymous'")
    role: str | None = None
    action: str = Field(description="What was attempted: chart.view, login.fail, task.run …")
    outcome: str = "ok"
    target: str | None = Field(default=None, description="What it concerned: 'document:D1', 'user:sato' …")
    patient_id: str | None = None
    ip: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class AuditRecord(AuditEvent):
    seq: int
    at: str
    prev_hash: str
    hash: str


class VerifyReport(BaseModel):
    ok: bool
    rows: int
    head_seq: int
    head_hash: str
    problems: list[str] = Field(default_factory=list)


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chain_hash(row: dict[str, Any]) -> str:
    """The hash of a row (its ``detail`` as stored text) chained to ``row["prev_hash"]``."""
    fields = [
        row["seq"],
        row["at"],
        row["actor"],
        row["role"],
        row["action"],
        row["outcome"],
        row["target"],
        row["patient_id"],
        row["ip"],
        row["detail"],
        row["prev_hash"],
    ]
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


class AuditLog:
    """Append and verify audit events in the ``audit_log`` table of a store's database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def append(self, event: AuditEvent, conn: Connection | None = None) -> AuditRecord:
        """Append ``event``; inside ``conn``'s transaction when given (it commits with the caller's write)."""
        if conn is not None:
            return self._append(conn, event)
        with self._engine.connect().execution_options(**{WRITE: True}) as own, own.begin():
            return self._append(own, event)

    def _append(self, conn: Connection, event: AuditEvent) -> AuditRecord:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_AUDIT_LOCK})
        last = conn.execute(
            select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
        row: dict[str, Any] = {
            **event.model_dump(exclude={"detail"}),
            "seq": 1 if last is None else int(last.seq) + 1,
            "at": utcnow().isoformat(timespec="microseconds"),
            "detail": canonical(event.detail),
            "prev_hash": GENESIS if last is None else str(last.hash),
        }
        row["hash"] = chain_hash(row)
        conn.execute(insert(audit_log).values(**row))
        return _record(row)

    def recent(
        self, limit: int = 100, *, actor: str | None = None, patient_id: str | None = None
    ) -> list[AuditRecord]:
        """The newest events first, optionally only one actor's or one patient's."""
        query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
        if actor is not None:
            query = query.where(audit_log.c.actor == actor)
        if patient_id is not None:
            query = query.where(audit_log.c.patient_id == patient_id)
        with self._engine.connect() as conn:
            return [_record(dict(row)) for row in conn.execute(query).mappings()]

    def iter_all(self) -> Iterator[AuditRecord]:
        for row in self._rows():
            yield _record(row)

    def _rows(self) -> Iterator[dict[str, Any]]:
        last = 0
        while True:
            query = select(audit_log).where(audit_log.c.seq > last).order_by(audit_log.c.seq)
            with self._engine.connect() as conn:
                rows = [dict(r) for r in conn.execute(query.limit(_VERIFY_BATCH)).mappings()]
            if not rows:
                return
            yield from rows
            last = int(rows[-1]["seq"])

    def verify(self, anchor: tuple[int, str] | None = None) -> VerifyReport:
        """Walk the chain from the first row; ``anchor`` (seq, hash) is a head recorded earlier."""
        problems: list[str] = []
        expected_seq, prev, rows = 1, GENESIS, 0

        def problem(message: str) -> None:
            if len(problems) < _MAX_PROBLEMS:
                problems.append(message)

        anchor_seen = anchor is None
        for row in self._rows():
            rows += 1
            seq = int(row["seq"])
            if seq != expected_seq:
                problem(f"行 {expected_seq}〜{seq - 1} がありません (rows {expected_seq}..{seq - 1} missing)")
            if row["prev_hash"] != prev:
                problem(f"行 {seq}: 直前の行のハッシュと一致しません (row {seq}: chain broken)")
            if chain_hash(row) != row["hash"]:
                problem(f"行 {seq}: 内容がハッシュと一致しません (row {seq}: content altered)")
            if anchor is not None and seq == anchor[0]:
                anchor_seen = True
                if row["hash"] != anchor[1]:
                    problem(f"行 {seq}: 記録済みの先頭ハッシュと違います (row {seq}: differs from anchor)")
            prev, expected_seq = str(row["hash"]), seq + 1
        if not anchor_seen and anchor is not None:
            problem(
                f"記録済みの行 {anchor[0]} がありません: 末尾が削除されています "
                f"(anchored row {anchor[0]} is gone: rows were deleted at the end)"
            )
        return VerifyReport(
            ok=not problems, rows=rows, head_seq=expected_seq - 1, head_hash=prev, problems=problems
        )


def _record(row: dict[str, Any]) -> AuditRecord:
    return AuditRecord(**{**row, "detail": json.loads(row["detail"]), "seq": int(row["seq"])})
