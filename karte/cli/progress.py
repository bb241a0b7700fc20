"""A Rich progress bar on stderr that appears only for runs longer than a few seconds."""

from __future__ import annotations

import sys
import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

SHOW_AFTER_SECONDS = 2.0


class DelayedProgress:
    """``advance()`` per record; the bar shows after SHOW_AFTER_SECONDS if stderr is a terminal."""

    def __init__(self, label: str, total: int | None = None, *, quiet: bool = False) -> None:
        self.label = label
        self.total = total
        self.enabled = not quiet and sys.stderr.isatty()
        self._start = time.monotonic()
        self._progress: Progress | None = None
        self._task_id: TaskID | None = None
        self._done = 0
        self.errors = 0

    def advance(self, *, error: bool = False) -> None:
        self._done += 1
        self.errors += int(error)
        if not self.enabled:
            return
        if self._progress is None:
            if time.monotonic() - self._start < SHOW_AFTER_SECONDS:
                return
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("エラー {task.fields[errors]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task_id = self._progress.add_task(self.label, total=self.total, errors=0)
        assert self._task_id is not None
        self._progress.update(self._task_id, completed=self._done, errors=self.errors)

    def __enter__(self) -> DelayedProgress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
