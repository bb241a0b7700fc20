"""The ``audit_log`` table (created by migration ``0002_service``), in the store's metadata."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, String, Table, Text

from karte.records.store.schema import Base, id_type

audit_log = Table(
    "audit_log",
    Base.metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(64), nullable=False),  # ISO 8601 UTC, hashed as written
    Column("actor", Text, nullable=False, index=True),
    Column("role", String(32)),
    Column("action", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("target", Text),
    Column("patient_id", id_type(), index=True),
    Column("ip", Text),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC (every timestamp of the service is)."""
    return dt.datetime.now(dt.UTC)
