"""Tables of the web service: review decisions and cached task results (migration ``0002_service``).

Importing this module declares every table of the service in the store's metadata (the users,
sessions and API keys of :mod:`karte.auth.tables` and the audit log of :mod:`karte.audit.tables`
too), so that the metadata matches the migrated schema.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Table, Text

from karte.audit.tables import audit_log
from karte.auth.tables import api_keys, users, web_sessions
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
    Column("decision", String(16), nullable=False),  # accept | edit | reject | approve
    Column("value", Text, nullable=False),  # JSON: the proposal and, for an edit, the new value
    Column("comment", Text),
    Column("actor", Text, nullable=False),
    Column("at", IsoDateTime, nullable=False),
    Index("ix_review_decisions_kind", "kind", "subject"),
)

#: The output of a task on a stored document, valid while the text and the version are the same.
analysis_cache = Table(
    "analysis_cache",
    Base.metadata,
    Column("task", String(64), nullable=False),
    Column(
        "document_id", id_type(), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("text_sha256", String(64), nullable=False),
    Column("version", String(64), nullable=False),
    Column("created_at", IsoDateTime, nullable=False),
    Column("output", Text, nullable=False),
    PrimaryKeyConstraint("task", "document_id"),
)

SERVICE_TABLES = (users, api_keys, web_sessions, audit_log, review_decisions, analysis_cache)
