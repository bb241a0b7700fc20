"""Progress of ``karte batch`` on stderr: records/s, ETA and errors.

On a terminal, a Rich bar; otherwise (a log file, a job scheduler) one plain line every
:data:`PLAIN_EVERY_SECONDS`, so a long run shows that it is alive.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from karte.batch.driver import Progress as BatchProgressEvent

PLAIN_EVERY_SECONDS = 30.0


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def rate_and_eta(event: BatchProgressEvent) -> tuple[float, float | None]:
    rate = event.this_run / event.seconds if event.seconds > 0 else 0.0
    if event.total is None or rate <= 0:
        return rate, None
    return rate, max(0, event.total - event.done) / rate


class BatchProgress:
    def __init__(self, label: str, *, quiet: bool = False, console: Console | None = None) -> None:
        self.label = label
        self.console = console or Console(stderr=True)
        self.quiet = quiet
        self.live = not quiet and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._last_plain = time.monotonic()

    def __call__(self, event: BatchProgressEvent) -> None:
        if self.quiet:
            return
        rate, eta = rate_and_eta(event)
        if self.live:
            self._show_bar(event, rate, eta)
        elif time.monotonic() - self._last_plain >= PLAIN_EVERY_SECONDS:
            self._last_plain = time.monotonic()
            total = f"/{event.total}" if event.total is not None else ""
            self.console.print(
                f"{self.label}: {event.done}{total} 件, {rate:,.1f} 件/秒, エラー {event.errors}, "
                f"残り {format_eta(eta)} ({event.done}{total} records, {rate:,.1f} records/s, "
                f"{event.errors} errors, ETA {format_eta(eta)})",
                highlight=False,
            )

    def _show_bar(self, event: BatchProgressEvent, rate: float, eta: float | None) -> None:
        if self._progress is None:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]} 件/秒"),
                TextColumn("エラー {task.fields[errors]}"),
                TimeElapsedColumn(),
                TextColumn("残り {task.fields[eta]}"),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(
                self.label, total=event.total, rate="0", errors=0, eta="--:--"
            )
        assert self._task is not None
        self._progress.update(
            self._task,
            completed=event.done,
            total=event.total,
            rate=f"{rate:,.1f}",
            errors=event.errors,
            eta=format_eta(eta),
        )

    def __enter__(self) -> BatchProgress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
