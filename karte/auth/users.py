"""Local users: add, change, list, and log in with lockout after repeated failures."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, RowMapping, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from karte.audit.tables import utcnow
from karte.auth.passwords import hash_password, needs_rehash, rehash, verify_password
from karte.auth.permissions import role_table, security_policy
from karte.auth.tables import users
from karte.errors import InputError, NotFoundError
from karte.records.store.engine import WRITE

MAX_USERNAME = 100


class User(BaseModel):
    id: int
    username: str
    display_name: str | None
    role: str
    active: bool
    failed_logins: int
    locked_until: dt.datetime | None

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    @property
    def label(self) -> str:
        return self.display_name or self.username


class LoginOutcome(StrEnum):
    OK = "ok"
    UNKNOWN_USER = "unknown_user"
    BAD_PASSWORD = "bad_password"
    LOCKED = "locked"
    DISABLED = "disabled"


class LoginResult(BaseModel):
    outcome: LoginOutcome
    user: User | None = None
    locked_now: bool = False  # this failure locked the account


def _user(row: RowMapping) -> User:
    return User.model_validate(dict(row))


def check_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > MAX_USERNAME or any(c.isspace() for c in name):
        raise InputError(
            f"利用者名 {username!r} は使えません (空白なし、{MAX_USERNAME} 文字以内) (invalid user name)",
            field="username",
        )
    return name


class UserStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _write(self) -> Any:
        return self._engine.connect().execution_options(**{WRITE: True})

    def add(self, username: str, password: str, role: str, display_name: str | None = None) -> User:
        name = check_username(username)
        role_table().check_role(role)
        now = utcnow()
        row = {
            "username": name,
            "display_name": display_name,
            "role": role,
            "password_hash": hash_password(password),
            "active": True,
            "failed_logins": 0,
            "locked_until": None,
            "created_at": now,
            "password_changed_at": now,
        }
        try:
            with self._write() as conn, conn.begin():
                conn.execute(insert(users).values(**row))
        except IntegrityError as exc:
            raise InputError(
                f"利用者 {name!r} は既にいます (user already exists)", field="username", record_id=name
            ) from exc
        return self.get(name)

    def get(self, username: str) -> User:
        found = self.find(username)
        if found is None:
            raise NotFoundError(f"利用者 {username!r} がいません (no such user)", record_id=username)
        return found

    def find(self, username: str) -> User | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
        return None if row is None else _user(row)

    def by_id(self, user_id: int) -> User | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
        return None if row is None else _user(row)

    def list(self) -> list[User]:
        with self._engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.username)).mappings()]

    def count(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(users)) or 0)

    def _set(self, username: str, **values: Any) -> User:
        with self._write() as conn, conn.begin():
            done = conn.execute(update(users).where(users.c.username == username).values(**values))
        if done.rowcount == 0:
            raise NotFoundError(f"利用者 {username!r} がいません (no such user)", record_id=username)
        return self.get(username)

    def set_password(self, username: str, password: str) -> User:
        return self._set(
            username, password_hash=hash_password(password), password_changed_at=utcnow(), failed_logins=0
        )

    def set_role(self, username: str, role: str) -> User:
        return self._set(username, role=role_table().check_role(role))

    def set_active(self, username: str, active: bool) -> User:
        return self._set(username, active=active)

    def unlock(self, username: str) -> User:
        return self._set(username, failed_logins=0, locked_until=None)

    def authenticate(self, username: str, password: str) -> LoginResult:
        """Check a log-in. Failures count; the N-th consecutive one locks the account for a while.

        A locked account is refused even with the right password (and that attempt does not count).
        """
        now = utcnow()
        with self._engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
        if row is None:
            verify_password(None, password)  # the same time as a known user
            return LoginResult(outcome=LoginOutcome.UNKNOWN_USER)
        user = _user(row)
        if user.locked(now):
            return LoginResult(outcome=LoginOutcome.LOCKED, user=user)
        # The hash is checked outside the write transaction (it takes tens of milliseconds).
        if not verify_password(row["password_hash"], password):
            policy = security_policy()
            with self._write() as conn, conn.begin():
                failures = (
                    int(conn.scalar(select(users.c.failed_logins).where(users.c.id == user.id)) or 0) + 1
                )
                locks = failures >= policy.lockout_after_failures
                until = now + dt.timedelta(minutes=policy.lockout_minutes) if locks else None
                conn.execute(
                    update(users)
                    .where(users.c.id == user.id)
                    .values(failed_logins=0 if locks else failures, locked_until=until)
                )
            return LoginResult(outcome=LoginOutcome.BAD_PASSWORD, user=user, locked_now=locks)
        if not user.active:
            return LoginResult(outcome=LoginOutcome.DISABLED, user=user)
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
        if needs_rehash(row["password_hash"]):
            values["password_hash"] = rehash(password)
        with self._write() as conn, conn.begin():
            conn.execute(update(users).where(users.c.id == user.id).values(**values))
        return LoginResult(outcome=LoginOutcome.OK, user=user.model_copy(update={"failed_logins": 0}))
