"""Database URLs, engines and schema migrations of the record store.

SQLite connections get foreign keys, WAL journaling and real transactions (SQLAlchemy emits
``BEGIN`` itself, so that savepoints work with Python's ``sqlite3``). Migrations are Alembic
revisions in ``migrations/``, run programmatically: no ``alembic.ini`` is needed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from karte.errors import ConfigError, KarteError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Execution option: ``BEGIN IMMEDIATE`` on SQLite, so a writer takes the write lock up front
#: (and waits for it) instead of failing when it upgrades a read lock.
WRITE = "karte_write"
_PG_MIGRATION_LOCK = 0x4B415254  # "KART": serialises concurrent upgrades on PostgreSQL
_POSTGRES_PREFIXES = ("postgresql://", "postgres://")


class StoreError(KarteError):
    """The database failed (cannot connect, cannot migrate, a write failed)."""

    type = "store_error"


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` URLs use psycopg 3; other URLs are returned unchanged."""
    url = url.strip()
    for prefix in _POSTGRES_PREFIXES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (``None`` for in-memory databases and other backends)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (already normalised), with the SQLite settings described above."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            in_memory = sqlite_path(url) is None
            engine = create_engine(
                parsed,
                json_serializer=_dumps,
                connect_args={"timeout": 30, "check_same_thread": False},
                # In memory: one connection, so that every thread sees the same database (one thread
                # at a time: it is meant for tests and demos). Files: a pool, WAL, busy timeout.
                **({"poolclass": StaticPool} if in_memory else {}),
            )
            _setup_sqlite(engine, in_memory=in_memory)
            return engine
        return create_engine(parsed, json_serializer=_dumps, pool_pre_ping=True)
    except ArgumentError as exc:
        raise ConfigError(
            f"データベース URL {_hide_password(url)!r} を使えません: {exc}"
            f" (invalid or unsupported database URL)",
            field="db",
        ) from exc
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"データベースドライバ {exc.name!r} がインストールされていません。"
            f"PostgreSQL には pip install 'karte[postgres]' を実行してください"
            f" (database driver {exc.name!r} is not installed)",
            field="db",
        ) from exc


def _hide_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _setup_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (see _on_begin)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the store's migrations (no ini file)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision in ``migrations/versions``."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise StoreError("マイグレーションが見つかりません (no migration revisions found)")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Migrate the database to the head revision (a no-op when it is there already)."""
    head = head_revision()
    if current_revision(engine) == head:
        return head
    sqlite = engine.dialect.name == "sqlite"
    # One migrator at a time: BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL. Alembic reads
    # the revision again inside the transaction, so whoever waited finds the work done.
    with engine.connect().execution_options(**{WRITE: True}) as conn:
        if sqlite:  # batch migrations copy tables; foreign keys must be off (outside a transaction)
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
                command.upgrade(alembic_config(conn), "head")
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    return head


def describe(exc: SQLAlchemyError) -> str:
    """The database's own message for ``exc``, on one line, without SQLAlchemy's SQL echo."""
    orig = getattr(exc, "orig", None)
    message = str(orig if orig is not None else exc).strip()
    return " ".join(message.split())[:500]
