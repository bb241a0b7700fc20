"""Revisions of the record store schema (Alembic skips this file)."""
