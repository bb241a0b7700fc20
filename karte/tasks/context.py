"""What a task may use besides its input: settings, the store (opened lazily) and a resource cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from karte.config import Settings, get_settings

if TYPE_CHECKING:
    from karte.records.store import Store

T = TypeVar("T")


class TaskContext:
    """Per-run context. Heavy resources (pipelines, indexes) are built once via :meth:`resource`."""

    def __init__(self, settings: Settings | None = None, store: Store | None = None) -> None:
        self.settings = settings or get_settings()
        self._store = store
        self._owns_store = store is None
        self._resources: dict[str, Any] = {}

    @property
    def store(self) -> Store:
        if self._store is None:
            from karte.records.store import open_store

            self._store = open_store(self.settings.database_url)
        return self._store

    def resource(self, key: str, build: Callable[[], T]) -> T:
        """Return the cached resource ``key``, building it on first use."""
        if key not in self._resources:
            self._resources[key] = build()
        value: T = self._resources[key]
        return value

    def close(self) -> None:
        if self._store is not None and self._owns_store:
            self._store.close()
            self._store = None

    def __enter__(self) -> TaskContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
