"""Access control for the pages: a session, the role's permission and, for writes, the CSRF token.

A refused request raises :class:`AccessRefused`; its handler writes the refusal to the audit log
and answers: a log-in redirect for a page opened without a session, else an error page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from karte.auth import csrf_matches
from karte.web.principal import (
    CSRF_FIELD,
    CSRF_HEADER,
    CSRF_REFUSAL,
    SESSION_COOKIE,
    Principal,
    Refusal,
    authenticate,
    client_ip,
    forbidden,
)
from karte.web.render import page
from karte.web.services import WebServices

SESSION_REQUIRED = Refusal(
    401, "session_required", "画面の利用にはログインが必要です (pages need a logged-in session)"
)


class AccessRefused(Exception):
    def __init__(self, refusal: Refusal, principal: Principal | None = None) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal
        self.principal = principal


def services_of(request: Request) -> WebServices:
    services: WebServices = request.app.state.karte_web
    return services


async def submitted_csrf(request: Request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.method == "POST":
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    return token


def require(
    permission: str | None = None, *, write: bool = False
) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: the logged-in principal, refused unless its role has ``permission``."""

    async def dependency(request: Request) -> Principal:
        services = services_of(request)
        found = await run_in_threadpool(authenticate, request, services)
        if isinstance(found, Refusal):
            raise AccessRefused(found)
        if found.via != "session":
            raise AccessRefused(SESSION_REQUIRED, found)
        if write and not csrf_matches(found.csrf_token or "", await submitted_csrf(request)):
            raise AccessRefused(CSRF_REFUSAL, found)
        if permission is not None and not services.roles.allows(found.role, permission):
            raise AccessRefused(forbidden(permission, services), found)
        return found

    return dependency


def safe_next(path: str) -> str:
    return path if path.startswith("/") and not path.startswith("//") else "/"


async def access_refused_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccessRefused)
    services = services_of(request)
    principal, refusal = exc.principal, exc.refusal
    await run_in_threadpool(
        services.record,
        actor=principal.actor if principal else "anonymous",
        role=principal.role if principal else None,
        action="access.denied",
        outcome="denied",
        target=request.url.path,
        ip=client_ip(request),
        detail={"reason": refusal.reason, "method": request.method, "path": request.url.path},
    )
    response: Response
    if refusal.status == 401 and request.method == "GET":
        target = safe_next(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        response = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    else:
        response = page(request, "error.html", principal, status=refusal.status, message=refusal.message)
    if refusal.reason in ("tampered_session", "unknown_session", "session_expired", "user_inactive"):
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response
