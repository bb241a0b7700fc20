"""The engine for the service tables (users, sessions, audit log …) in the store's database."""

from __future__ import annotations

from sqlalchemy import Engine

from karte.errors import ConfigError
from karte.records.store import normalize_url, open_store
from karte.records.store.engine import make_engine, sqlite_path


def open_service_engine(url: str) -> Engine:
    """Migrate the database at ``url`` to the newest schema and return an engine for it.

    In-memory SQLite is refused: each engine would see its own empty database.
    """
    normalized = normalize_url(url)
    if normalized.startswith("sqlite") and sqlite_path(normalized) is None:
        raise ConfigError(
            "利用者・監査ログにはファイルかサーバーのデータベースが必要です (in-memory SQLite cannot hold "
            "users and the audit log; use a file or PostgreSQL)",
            field="db",
        )
    with open_store(url):  # creates the directory and applies migrations
        pass
    return make_engine(normalized)
