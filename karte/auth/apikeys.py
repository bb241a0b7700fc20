"""API keys for machine clients: ``karte_<key id>_<secret>``, stored as SHA-256 of the secret.

The secret has 256 bits of entropy, so a plain SHA-256 (fast, checked on every request) is as safe
at rest as a password hash would be. A key acts as its user, with the user's role.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from pydantic import BaseModel
from sqlalchemy import Engine, insert, select, update

from karte.audit.tables import utcnow
from karte.auth.tables import api_keys, users
from karte.auth.users import User, UserStore
from karte.errors import InputError, NotFoundError
from karte.records.store.engine import WRITE

PREFIX = "karte_"
_USE_RESOLUTION = dt.timedelta(minutes=1)  # last_used_at is written at most this often


class ApiKeyInfo(BaseModel):
    key_id: str
    name: str
    username: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_key(key: str) -> tuple[str, str] | None:
    if not key.startswith(PREFIX):
        return None
    key_id, _, secret = key[len(PREFIX) :].partition("_")
    if not key_id or not secret or len(key_id) > 32:
        return None
    return key_id, secret


class ApiKeyStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, username: str, name: str) -> tuple[str, ApiKeyInfo]:
        """A new key for ``username``; the key itself is returned once and never stored."""
        if not name.strip():
            raise InputError("API キーの名前が必要です (the key needs a name)", field="name")
        user = UserStore(self._engine).get(username)
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        with self._engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            conn.execute(
                insert(api_keys).values(
                    key_id=key_id,
                    user_id=user.id,
                    name=name.strip(),
                    secret_hash=_digest(secret),
                    created_at=utcnow(),
                )
            )
        return f"{PREFIX}{key_id}_{secret}", self._info(key_id)

    def _info(self, key_id: str) -> ApiKeyInfo:
        for info in self.list():
            if info.key_id == key_id:
                return info
        raise NotFoundError(f"API キー {key_id!r} がありません (no such API key)", record_id=key_id)

    def list(self, username: str | None = None) -> list[ApiKeyInfo]:
        query = (
            select(api_keys, users.c.username)
            .join(users, users.c.id == api_keys.c.user_id)
            .order_by(users.c.username, api_keys.c.created_at)
        )
        if username is not None:
            query = query.where(users.c.username == username)
        with self._engine.connect() as conn:
            return [ApiKeyInfo.model_validate(dict(r)) for r in conn.execute(query).mappings()]

    def revoke(self, key_id: str) -> ApiKeyInfo:
        with self._engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            done = conn.execute(
                update(api_keys)
                .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        if done.rowcount == 0:
            raise NotFoundError(
                f"有効な API キー {key_id!r} がありません (no such active key)", record_id=key_id
            )
        return self._info(key_id)

    def authenticate(self, key: str) -> tuple[User, ApiKeyInfo] | None:
        """The user and key for a presented key; ``None`` when unknown, revoked, wrong or user inactive."""
        parts = split_key(key.strip())
        if parts is None:
            return None
        key_id, secret = parts
        with self._engine.connect() as conn:
            row = (
                conn.execute(
                    select(api_keys, users.c.username).join(users).where(api_keys.c.key_id == key_id)
                )
                .mappings()
                .first()
            )
        if row is None or row["revoked_at"] is not None:
            return None
        if not hmac.compare_digest(row["secret_hash"], _digest(secret)):
            return None
        user = UserStore(self._engine).by_id(row["user_id"])
        if user is None or not user.active:
            return None
        now = utcnow()
        if row["last_used_at"] is None or now - row["last_used_at"] > _USE_RESOLUTION:
            with self._engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
                conn.execute(update(api_keys).where(api_keys.c.key_id == key_id).values(last_used_at=now))
        return user, ApiKeyInfo.model_validate(dict(row))
