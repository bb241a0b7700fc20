"""Web sessions, kept server-side: the cookie holds a random token, signed with the site's web secret.

The table keeps only the token's SHA-256, so a copy of the database cannot be used to log in. A
session ends at log-out, after ``session_idle_minutes`` without a request, after
``session_max_hours``, or when its user is disabled. Each session has its CSRF token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from enum import StrEnum
from pathlib import Path

from itsdangerous import BadSignature, Signer
from pydantic import BaseModel
from sqlalchemy import Engine, delete, insert, select, update

from karte.audit.tables import utcnow
from karte.auth.permissions import security_policy
from karte.auth.tables import web_sessions
from karte.auth.users import User, UserStore
from karte.config import Settings
from karte.errors import ConfigError
from karte.records.store.engine import WRITE

_SALT = "karte.web.session"
_TOUCH_RESOLUTION = dt.timedelta(seconds=30)  # last_seen_at is written at most this often


class SessionProblem(StrEnum):
    MISSING = "missing"
    TAMPERED = "tampered"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USER_INACTIVE = "user_inactive"


class WebSession(BaseModel):
    user: User
    csrf_token: str
    session_id: str  # hash of the token, for logging out


def web_secret(settings: Settings) -> bytes:
    """``KARTE_WEB_SECRET``, else ``$KARTE_HOME/web-secret`` (created on first use, mode 0600)."""
    if settings.web_secret is not None:
        value = settings.web_secret.get_secret_value()
        if len(value) < 32:
            raise ConfigError(
                "KARTE_WEB_SECRET は32文字以上にしてください (web secret must have at least 32 characters)",
                field="web_secret",
            )
        return value.encode()
    path = settings.home / "web-secret"
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
        return Path(path).read_text().strip().encode()
    except FileExistsError:
        return Path(path).read_text().strip().encode()
    except OSError as exc:
        raise ConfigError(
            f"セッション鍵 {path} を作成・読み込みできません: {exc} (cannot create or read the web secret)",
            field="web_secret",
        ) from exc


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, engine: Engine, secret: bytes) -> None:
        self._engine = engine
        self._signer = Signer(secret, salt=_SALT)

    def create(self, user: User, ip: str | None) -> tuple[str, WebSession]:
        """A new session; returns the cookie value and the session."""
        token, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), utcnow()
        policy = security_policy()
        with self._engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(
                insert(web_sessions).values(
                    id=_digest(token),
                    user_id=user.id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + dt.timedelta(hours=policy.session_max_hours),
                    last_seen_at=now,
                    ip=ip,
                )
            )
        cookie = self._signer.sign(token.encode()).decode()
        return cookie, WebSession(user=user, csrf_token=csrf, session_id=_digest(token))

    def load(self, cookie: str | None) -> WebSession | SessionProblem:
        if not cookie:
            return SessionProblem.MISSING
        try:
            token = self._signer.unsign(cookie.encode()).decode()
        except (BadSignature, UnicodeDecodeError):
            return SessionProblem.TAMPERED
        session_id, now = _digest(token), utcnow()
        with self._engine.connect() as conn:
            row = conn.execute(select(web_sessions).where(web_sessions.c.id == session_id)).mappings().first()
        if row is None:
            return SessionProblem.UNKNOWN
        idle = dt.timedelta(minutes=security_policy().session_idle_minutes)
        if row["expires_at"] <= now or row["last_seen_at"] + idle <= now:
            self.end(session_id)
            return SessionProblem.EXPIRED
        user = UserStore(self._engine).by_id(row["user_id"])
        if user is None or not user.active:
            self.end(session_id)
            return SessionProblem.USER_INACTIVE
        if now - row["last_seen_at"] > _TOUCH_RESOLUTION:
            with self._engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
                conn.execute(
                    update(web_sessions).where(web_sessions.c.id == session_id).values(last_seen_at=now)
                )
        return WebSession(user=user, csrf_token=row["csrf_token"], session_id=session_id)

    def end(self, session_id: str) -> None:
        with self._engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))

    def end_all(self, user_id: int) -> None:
        end_sessions(self._engine, user_id)


def end_sessions(engine: Engine, user_id: int) -> None:
    """End every session of a user (disabled, password changed)."""
    with engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
        conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
