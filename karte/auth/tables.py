"""Tables of users, API keys and web sessions (created by migration ``0002_service``)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text

from karte.records.store.schema import Base, IsoDateTime

users = Table(
    "users",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", Text),
    Column("role", String(32), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", IsoDateTime),
    Column("created_at", IsoDateTime, nullable=False),
    Column("password_changed_at", IsoDateTime, nullable=False),
)

api_keys = Table(
    "api_keys",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key_id", String(32), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", IsoDateTime, nullable=False),
    Column("last_used_at", IsoDateTime),
    Column("revoked_at", IsoDateTime),
)

web_sessions = Table(
    "web_sessions",
    Base.metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the session token: the token is not stored
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", IsoDateTime, nullable=False),
    Column("expires_at", IsoDateTime, nullable=False),
    Column("last_seen_at", IsoDateTime, nullable=False),
    Column("ip", Text),
)
