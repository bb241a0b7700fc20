"""The table of review decisions (migration ``0002_service``)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from karte.records.store.schema import Base, IsoDateTime, id_type

#: Every decision a reviewer took (append-only history; the newest per item is the current one).
review_decisions = Table(
    "review_decisions",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),  # code | screening | draft
    Column("subject", id_type(), nullable=False),  # document id, trial id, draft id
    Column("item", Text, nullable=False),  # "icd10:I20.8", a candidate patient id, a draft section
    Column("patient_id", id_type()),
    Column("decision", String(16), nullable=False),  # accept | edit | reject | approve | create
    Column("value", Text, nullable=False),  # JSON: the proposal and, for an edit, the new value
    Column("comment", Text),
    Column("actor", Text, nullable=False),
    Column("at", IsoDateTime, nullable=False),
    Index("ix_review_decisions_kind", "kind", "subject"),
)
