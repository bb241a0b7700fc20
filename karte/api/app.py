"""FastAPI app: ``GET /v1/tasks``, ``POST /v1/tasks/{name}`` with one record or a list.

The endpoints call the same runner as the CLI, so both give identical output objects. API docs
(Swagger UI and ReDoc) are served from local files: nothing is loaded from a CDN.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel

from karte import __version__
from karte.api.metrics import TaskMetrics, add_metrics_route
from karte.config import Settings, get_settings
from karte.errors import ErrorInfo
from karte.tasks.context import TaskContext
from karte.tasks.jsonl_io import parse_objects
from karte.tasks.registry import TaskSpec, all_tasks
from karte.tasks.runner import run_task
from karte.web.mount import install_web


class TaskInfo(BaseModel):
    name: str
    summary: str
    input_fields: list[str]
    output_fields: list[str]
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]


def _error(status: int, type_: str, message: str) -> JSONResponse:
    info = ErrorInfo(type=type_, message=message)
    return JSONResponse({"id": None, "error": info.model_dump(exclude_none=True)}, status_code=status)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    ctx = TaskContext(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.close()

    app = FastAPIOffline(
        title="Karte API",
        version=__version__,
        description='日本語臨床テキスト処理のタスク API。入力 `{"id": …}` 1件または配列。',
        lifespan=lifespan,
    )
    app.state.metrics = TaskMetrics()
    add_metrics_route(app, app.state.metrics)

    @app.get("/v1/tasks", response_model=list[TaskInfo], tags=["tasks"])
    def list_tasks() -> list[TaskInfo]:
        """登録済みタスクと入出力スキーマ (tasks with their input and output schemas)."""
        return [
            TaskInfo(
                name=t.name,
                summary=t.summary,
                input_fields=list(t.input.model_fields),
                output_fields=list(t.output.model_fields),
                input_schema=t.input.model_json_schema(),
                output_schema=t.output.model_json_schema(),
            )
            for t in all_tasks()
        ]

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for spec in all_tasks():
        _add_task_route(app, spec, ctx)

    @app.post("/v1/tasks/{name}", tags=["tasks"], include_in_schema=False)
    def unknown_task(name: str) -> JSONResponse:
        known = ", ".join(t.name for t in all_tasks())
        return _error(404, "not_found", f"タスク {name!r} はありません。利用可能: {known} (no such task)")

    install_web(app, settings, ctx)  # web UI, users and sessions, auth + audit of /v1 (karte.web)
    return app


def _add_task_route(app: FastAPI, spec: TaskSpec, ctx: TaskContext) -> None:
    input_ref = spec.input.model_json_schema()

    async def endpoint(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            body = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            return _error(400, "invalid_encoding", "本文が UTF-8 ではありません (request body is not UTF-8)")
        except json.JSONDecodeError as exc:
            return _error(400, "invalid_json", f"本文が JSON ではありません: {exc.msg} (body is not JSON)")
        if isinstance(body, list):
            results = await run_in_threadpool(lambda: list(run_task(spec, parse_objects(body), ctx)))
            request.app.state.metrics.observe(spec.name, results)
            return JSONResponse(results)
        result = (await run_in_threadpool(lambda: list(run_task(spec, parse_objects([body]), ctx))))[0]
        request.app.state.metrics.observe(spec.name, [result])
        return JSONResponse(result, status_code=422 if "error" in result else 200)

    endpoint.__name__ = f"task_{spec.name.replace('-', '_')}"
    app.add_api_route(
        f"/v1/tasks/{spec.name}",
        endpoint,
        methods=["POST"],
        tags=["tasks"],
        summary=spec.summary,
        description=(
            f"入力: {spec.input.__name__} 1件、またはその配列。出力: {spec.output.__name__} "
            '(配列なら同じ順序)。不正なレコードは `{"id", "error"}` になり、他のレコードは処理されます。'
        ),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"oneOf": [input_ref, {"type": "array", "items": input_ref}]},
                    }
                },
            },
            "responses": {
                "200": {"content": {"application/json": {"schema": spec.output.model_json_schema()}}}
            },
        },
    )
