"""Tables of the web service: cached task results (migration ``0002_service``).

Importing this module declares every table of the service in the store's metadata (the users,
sessions and API keys of :mod:`karte.auth.tables`, the audit log of :mod:`karte.audit.tables` and
the review decisions of :mod:`karte.reviews.tables` too), so that the metadata matches the
migrated schema.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, PrimaryKeyConstraint, String, Table, Text

from karte.audit.tables import audit_log
from karte.auth.tables import api_keys, users, web_sessions
from karte.records.store.schema import Base, IsoDateTime, id_type
from karte.reviews.tables import review_decisions

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
