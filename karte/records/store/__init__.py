"""The record store: patient records in SQLite (default) or PostgreSQL, migrated with Alembic."""

from karte.records.store.engine import StoreError, head_revision, normalize_url
from karte.records.store.store import Store, open_store
from karte.records.store.writer import ConflictError, StoreRecordError, StoreWriteReport

__all__ = [
    "ConflictError",
    "Store",
    "StoreError",
    "StoreRecordError",
    "StoreWriteReport",
    "head_revision",
    "normalize_url",
    "open_store",
]
