"""Who is asking: a user through a web session or an API key, or nobody (refused, with the reason)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel
from starlette.requests import HTTPConnection

from karte.auth import SessionProblem, User, WebSession
from karte.web.services import WebServices

SESSION_COOKIE = "karte_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class Principal(BaseModel):
    user: User | None
    via: Literal["session", "apikey", "none"]
    key_name: str | None = None
    csrf_token: str | None = None
    session_id: str | None = None

    @property
    def actor(self) -> str:
        if self.user is None:
            return "anonymous"
        if self.via == "apikey":
            return f"{self.user.username} (apikey:{self.key_name})"
        return self.user.username

    @property
    def role(self) -> str | None:
        return None if self.user is None else self.user.role


@dataclass(frozen=True)
class Refusal:
    status: int  # 401 not authenticated, 403 not allowed
    reason: str  # machine-readable: no_session, tampered_session, forbidden, csrf_missing …
    message: str  # Japanese (English)


_SESSION_REFUSALS = {
    SessionProblem.MISSING: Refusal(401, "no_session", "ログインしてください (please log in)"),
    SessionProblem.TAMPERED: Refusal(
        401,
        "tampered_session",
        "セッション情報が不正です。再度ログインしてください (session cookie was altered)",
    ),
    SessionProblem.UNKNOWN: Refusal(
        401, "unknown_session", "セッションが無効です。再度ログインしてください (session is not valid)"
    ),
    SessionProblem.EXPIRED: Refusal(
        401, "session_expired", "セッションの有効期限が切れました。再度ログインしてください (session expired)"
    ),
    SessionProblem.USER_INACTIVE: Refusal(
        401, "user_inactive", "この利用者は無効化されています (this user is disabled)"
    ),
}
BAD_KEY = Refusal(401, "bad_api_key", "API キーが無効です (API key is not valid)")


def client_ip(conn: HTTPConnection) -> str | None:
    return conn.client.host if conn.client else None


def presented_api_key(conn: HTTPConnection) -> str | None:
    auth = conn.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return conn.headers.get("x-api-key")


def authenticate(conn: HTTPConnection, services: WebServices) -> Principal | Refusal:
    """The principal of a request: an API key (header) if one is given, else the session cookie."""
    key = presented_api_key(conn)
    if key is not None:
        found = services.keys.authenticate(key)
        if found is None:
            return BAD_KEY
        user, info = found
        return Principal(user=user, via="apikey", key_name=info.name)
    loaded = services.sessions.load(conn.cookies.get(SESSION_COOKIE))
    if isinstance(loaded, WebSession):
        return Principal(
            user=loaded.user, via="session", csrf_token=loaded.csrf_token, session_id=loaded.session_id
        )
    return _SESSION_REFUSALS[loaded]


def forbidden(permission: str, services: WebServices) -> Refusal:
    what = services.roles.permissions.get(permission, permission)
    return Refusal(403, "forbidden", f"この操作の権限がありません: {what} (your role may not do this)")


CSRF_REFUSAL = Refusal(
    403,
    "csrf_invalid",
    "フォームの確認用トークンがないか一致しません。ページを開き直してください (CSRF token missing or wrong)",
)
