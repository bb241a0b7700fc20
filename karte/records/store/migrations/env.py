"""Alembic environment: runs on the connection the store hands over, or on ``sqlalchemy.url``.

The store calls Alembic with ``config.attributes["connection"]`` set to a connection already in a
transaction (see :func:`karte.records.store.engine.upgrade`). Used from the ``alembic`` command
line instead, the URL comes from the ``sqlalchemy.url`` option or ``KARTE_DB``/the settings.
SQLite cannot alter tables in place, so migrations run in batch mode there.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool

from karte.records.store.schema import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    from karte.config import get_settings
    from karte.records.store.engine import normalize_url

    return normalize_url(config.get_main_option("sqlalchemy.url") or get_settings().database_url)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
