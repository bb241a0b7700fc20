"""Log-in and log-out. The log-in form is CSRF-protected too (a double-submit cookie)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from karte.auth import LoginOutcome, csrf_matches, security_policy
from karte.web.guard import require, safe_next, services_of
from karte.web.principal import SESSION_COOKIE, Principal, authenticate, client_ip
from karte.web.render import page

LOGIN_COOKIE = "karte_login_csrf"
router = APIRouter(include_in_schema=False)

_MESSAGES = {
    LoginOutcome.UNKNOWN_USER: "利用者名またはパスワードが違います (wrong user name or password)",
    LoginOutcome.BAD_PASSWORD: "利用者名またはパスワードが違います (wrong user name or password)",
    LoginOutcome.DISABLED: "この利用者は無効化されています。管理者に連絡してください (this user is disabled)",
}


def _locked_message() -> str:
    minutes = security_policy().lockout_minutes
    return (
        "ログインの失敗が続いたためロックされています。"
        f"{minutes} 分後に再度試すか、管理者に解除を依頼してください"
        " (account locked after repeated failed log-ins)"
    )


def _login_page(request: Request, next_path: str, message: str | None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(
        request, "login.html", None, status=status, login_token=token, next=next_path, message=message
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


def _home_for(request: Request, principal: Principal) -> str:
    services = services_of(request)
    from karte.web.render import NAVIGATION

    for path, _label, permission in NAVIGATION:
        if services.roles.allows(principal.role, permission):
            return path
    return "/account"


@router.get("/")
async def home(request: Request) -> Response:
    services = services_of(request)
    found = await run_in_threadpool(authenticate, request, services)
    if isinstance(found, Principal) and found.via == "session":
        return RedirectResponse(_home_for(request, found), status_code=303)
    return RedirectResponse("/login", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, safe_next(next), None)


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    services = services_of(request)
    ip = client_ip(request)
    target = safe_next(next)
    if not csrf_matches(request.cookies.get(LOGIN_COOKIE) or "", csrf_token):
        services.record(
            actor=username or "anonymous",
            action="access.denied",
            outcome="denied",
            target="/login",
            ip=ip,
            detail={"reason": "csrf_invalid", "method": "POST", "path": "/login"},
        )
        message = (
            "フォームの有効期限が切れました。もう一度ログインしてください (form expired: CSRF check failed)"
        )
        return _login_page(request, target, message, status=403)
    result = services.users.authenticate(username.strip(), password)
    user = result.user
    if result.outcome != LoginOutcome.OK or user is None:
        services.record(
            actor=username.strip() or "anonymous",
            role=user.role if user else None,
            action="login.fail",
            outcome="denied",
            target=f"user:{username.strip()}",
            ip=ip,
            detail={"reason": result.outcome.value, "locked_now": result.locked_now},
        )
        locked = result.outcome == LoginOutcome.LOCKED or result.locked_now
        message = _locked_message() if locked else _MESSAGES[result.outcome]
        return _login_page(request, target, message, status=401)
    cookie, session = services.sessions.create(user, ip)
    services.record(
        actor=user.username, role=user.role, action="login.ok", target=f"user:{user.username}", ip=ip
    )
    principal = Principal(user=user, via="session", csrf_token=session.csrf_token)
    destination = target if target != "/" else _home_for(request, principal)
    response = RedirectResponse(destination, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
        max_age=security_policy().session_max_hours * 3600,
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, principal: Annotated[Principal, Depends(require(write=True))]) -> Response:
    services = services_of(request)
    if principal.session_id:
        services.sessions.end(principal.session_id)
    services.record(
        actor=principal.actor,
        role=principal.role,
        action="logout",
        target=f"user:{principal.actor}",
        ip=client_ip(request),
    )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account")
def account(request: Request, principal: Annotated[Principal, Depends(require())]) -> Response:
    return page(request, "account.html", principal)
