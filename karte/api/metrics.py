"""Prometheus metrics of the REST API (``GET /metrics``, text exposition format 0.0.4).

Counters per task: requests, records processed, records that failed (by error type). Written by
hand (a few counters need no client library); thread-safe, since task endpoints run in a pool.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class TaskMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[str, int] = {}
        self.records: dict[str, int] = {}
        self.errors: dict[tuple[str, str], int] = {}

    def observe(self, task: str, results: Iterable[dict[str, Any]]) -> None:
        """Count one request of ``task`` and its output objects."""
        with self._lock:
            self.requests[task] = self.requests.get(task, 0) + 1
            for result in results:
                self.records[task] = self.records.get(task, 0) + 1
                error = result.get("error")
                if isinstance(error, dict):
                    key = (task, str(error.get("type", "error")))
                    self.errors[key] = self.errors.get(key, 0) + 1

    def render(self) -> str:
        with self._lock:
            lines = [
                "# HELP karte_task_requests_total Requests to a task endpoint.",
                "# TYPE karte_task_requests_total counter",
                *(
                    f'karte_task_requests_total{{task="{_label(t)}"}} {n}'
                    for t, n in sorted(self.requests.items())
                ),
                "# HELP karte_task_records_total Records processed by a task.",
                "# TYPE karte_task_records_total counter",
                *(
                    f'karte_task_records_total{{task="{_label(t)}"}} {n}'
                    for t, n in sorted(self.records.items())
                ),
                "# HELP karte_task_errors_total Records whose output is an error, by error type.",
                "# TYPE karte_task_errors_total counter",
                *(
                    f'karte_task_errors_total{{task="{_label(t)}",type="{_label(k)}"}} {n}'
                    for (t, k), n in sorted(self.errors.items())
                ),
            ]
        return "\n".join(lines) + "\n"


def add_metrics_route(app: FastAPI, metrics: TaskMetrics) -> None:
    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> PlainTextResponse:
        return PlainTextResponse(metrics.render(), media_type=CONTENT_TYPE)
