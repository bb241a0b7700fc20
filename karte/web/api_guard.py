"""Access control and audit for the task API (``/v1/…``), as ASGI middleware.

Every request needs an API key (``Authorization: Bearer karte_…`` or ``X-API-Key``) or a web
session (then POSTs need the ``X-CSRF-Token`` header); running a task needs ``task.run``. Refusals
answer 401/403 in the API's error format and are audited; every task run is audited with the
record ids and document ids it was given. With ``auth = "none"`` (development on loopback only,
see ``karte serve``) requests pass as ``anonymous`` and are still audited.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from karte.auth import csrf_matches
from karte.errors import ErrorInfo
from karte.web.principal import (
    CSRF_HEADER,
    CSRF_REFUSAL,
    Principal,
    Refusal,
    authenticate,
    client_ip,
    forbidden,
)
from karte.web.services import WebServices

API_PREFIX = "/v1/"
TASK_PREFIX = "/v1/tasks/"
_MAX_IDS = 100  # ids listed per audit event; the count is always complete


def _error(refusal: Refusal) -> JSONResponse:
    info = ErrorInfo(type=refusal.reason, message=refusal.message)
    headers = {"www-authenticate": "Bearer"} if refusal.status == 401 else None
    return JSONResponse(
        {"id": None, "error": info.model_dump(exclude_none=True)}, status_code=refusal.status, headers=headers
    )


def _ids(body: bytes) -> dict[str, Any]:
    """Record count, ids and document ids of a task request body, for the audit log."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"records": None, "unreadable": True}
    records = value if isinstance(value, list) else [value]
    objects = [r for r in records if isinstance(r, dict)]
    ids = [r.get("id") for r in objects]
    documents = [r["document_id"] for r in objects if isinstance(r.get("document_id"), str)]
    patients = [r["patient_id"] for r in objects if isinstance(r.get("patient_id"), str)]
    detail: dict[str, Any] = {"records": len(records), "ids": ids[:_MAX_IDS]}
    if documents:
        detail["document_ids"] = documents[:_MAX_IDS]
    if patients:
        detail["patient_ids"] = patients[:_MAX_IDS]
    return detail


class ApiGuard:
    def __init__(self, app: ASGIApp, services: WebServices) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        found = await self._principal(conn, scope["method"])
        if isinstance(found, tuple):
            refusal, principal = found
            await self._audit(conn, principal, "access.denied", "denied", {"reason": refusal.reason})
            await _error(refusal)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = found
        if not (scope["method"] == "POST" and scope["path"].startswith(TASK_PREFIX)):
            await self.app(scope, receive, send)
            return
        await self._run_task(scope, receive, send, conn, found)

    async def _principal(
        self, conn: HTTPConnection, method: str
    ) -> Principal | tuple[Refusal, Principal | None]:
        services = self.services
        if services.settings.auth == "none":
            return Principal(user=None, via="none")
        found = await run_in_threadpool(authenticate, conn, services)
        if isinstance(found, Refusal):
            return found, None
        if found.via == "session" and method not in ("GET", "HEAD", "OPTIONS"):
            if not csrf_matches(found.csrf_token or "", conn.headers.get(CSRF_HEADER)):
                return CSRF_REFUSAL, found
        if method == "POST" and not services.roles.allows(found.role, "task.run"):
            return forbidden("task.run", services), found
        return found

    async def _run_task(
        self, scope: Scope, receive: Receive, send: Send, conn: HTTPConnection, principal: Principal
    ) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        detail = {"task": scope["path"][len(TASK_PREFIX) :], **_ids(body)}
        # No audit, no access: the event is written before the task sees any data.
        await self._audit(conn, principal, "task.run", "ok", detail)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _audit(
        self,
        conn: HTTPConnection,
        principal: Principal | None,
        action: str,
        outcome: str,
        detail: dict[str, Any],
    ) -> None:
        await run_in_threadpool(
            self.services.record,
            actor=principal.actor if principal else "anonymous",
            role=principal.role if principal else None,
            action=action,
            outcome=outcome,
            target=conn.url.path,
            ip=client_ip(conn),
            detail={"method": conn.scope["method"], **detail},
        )
