"""Task results for the pages, computed once per document and kept in ``analysis_cache``.

The pages never run NLP of their own: they call registered tasks (``extract``, ``code-note``/``code``,
``deid``) through the task registry and cache each output keyed by the document's text hash and a
version (Karte's version and the task's output schema), so a chart is drawn from stored results
and a changed note or a new Karte release recomputes. Tasks that are not registered yet are
reported as missing and the pages fall back (sections only, no proposals).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from karte import __version__
from karte.audit.tables import utcnow
from karte.errors import NotFoundError
from karte.records.models import Document
from karte.records.store.engine import WRITE
from karte.tasks.context import TaskContext
from karte.tasks.jsonl_io import parse_objects
from karte.tasks.registry import TaskSpec, get_task
from karte.tasks.runner import run_task
from karte.web.tables import analysis_cache

#: What each page needs → the task names that provide it, first registered one wins.
DEFAULT_TASKS: dict[str, tuple[str, ...]] = {
    "sections": ("sections",),
    "entities": ("extract",),
    "codes": ("code-note",),
    "deid": ("deid",),
}


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def task_version(spec: TaskSpec) -> str:
    schema = json.dumps(spec.output.model_json_schema(), sort_keys=True)
    return hashlib.sha256(f"{__version__}\n{schema}".encode()).hexdigest()[:32]


@dataclass
class TaskResult:
    """A task's output for one document (``output`` is None and ``error`` says why when it failed)."""

    task: str
    document_id: str
    output: dict[str, Any] | None
    error: str | None = None
    cached: bool = False


@dataclass
class Analyses:
    """Runs tasks for the pages, through the registry, with the results cached in the database."""

    engine: Engine
    ctx: TaskContext
    tasks: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_TASKS))
    #: Specs given directly (tests, plug-ins) win over registry look-ups.
    specs: dict[str, TaskSpec] = field(default_factory=dict)

    def spec_for(self, purpose: str) -> TaskSpec | None:
        if purpose in self.specs:
            return self.specs[purpose]
        for name in self.tasks.get(purpose, ()):
            try:
                return get_task(name)
            except NotFoundError:
                continue
        return None

    def results(
        self, purpose: str, documents: Sequence[Document], *, extra: dict[str, Any] | None = None
    ) -> dict[str, TaskResult] | None:
        """The outputs for ``documents`` (by id): cached ones read, missing ones computed and stored.

        ``None`` when no task for ``purpose`` is registered. ``extra`` input fields make the result
        uncacheable (it depends on more than the document).
        """
        spec = self.spec_for(purpose)
        if spec is None:
            return None
        version = task_version(spec)
        found = {} if extra else self._cached(spec.name, version, documents)
        missing = [d for d in documents if d.id not in found]
        if missing:
            records = [{"id": d.id, "document_id": d.id, **(extra or {})} for d in missing]
            outputs = list(run_task(spec, parse_objects(records), self.ctx))
            fresh = {}
            for document, output in zip(missing, outputs, strict=True):
                if "error" in output:
                    message = str(output["error"].get("message", output["error"]))
                    found[document.id] = TaskResult(spec.name, document.id, None, message)
                else:
                    found[document.id] = fresh[document.id] = TaskResult(spec.name, document.id, output)
            if fresh and not extra:
                self._store(spec.name, version, [d for d in missing if d.id in fresh], fresh)
        return found

    def _cached(self, task: str, version: str, documents: Sequence[Document]) -> dict[str, TaskResult]:
        if not documents:
            return {}
        hashes = {d.id: text_sha256(d.text) for d in documents}
        query = select(
            analysis_cache.c.document_id, analysis_cache.c.text_sha256, analysis_cache.c.output
        ).where(
            analysis_cache.c.task == task,
            analysis_cache.c.version == version,
            analysis_cache.c.document_id.in_(list(hashes)),
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {
            row.document_id: TaskResult(task, row.document_id, json.loads(row.output), cached=True)
            for row in rows
            if hashes.get(row.document_id) == row.text_sha256
        }

    def _store(
        self, task: str, version: str, documents: Sequence[Document], results: dict[str, TaskResult]
    ) -> None:
        now = utcnow()
        rows = [
            {
                "task": task,
                "document_id": d.id,
                "text_sha256": text_sha256(d.text),
                "version": version,
                "created_at": now,
                "output": json.dumps(results[d.id].output, ensure_ascii=False),
            }
            for d in documents
        ]
        ids = [d.id for d in documents]
        try:
            with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
                conn.execute(
                    delete(analysis_cache).where(
                        analysis_cache.c.task == task, analysis_cache.c.document_id.in_(ids)
                    )
                )
                conn.execute(insert(analysis_cache), rows)
        except IntegrityError:
            pass  # another request stored the same results first (or a document was deleted meanwhile)
