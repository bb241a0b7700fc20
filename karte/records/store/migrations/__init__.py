"""Alembic environment of the record store, run programmatically by :mod:`karte.records.store.engine`.

No ``alembic.ini`` is needed: the store builds an :class:`alembic.config.Config` whose
``script_location`` is this directory. New revisions go in ``versions/`` and are written by hand.
"""
