"""Log-in: wrong passwords count, the N-th locks the account (even the right password is then refused)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_support import audit_events, csrf_from

from karte.auth import LoginOutcome, security_policy
from karte.auth.passwords import check_password_rules, hash_password, verify_password
from karte.errors import InputError


def _try(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_passwords_are_hashed_with_argon2() -> None:
    stored = hash_password("a long enough password")
    assert stored.startswith("$argon2id$") and "a long enough password" not in stored
    assert verify_password(stored, "a long enough password")
    assert not verify_password(stored, "a long enough passworD")
    assert not verify_password(None, "anything at all")


@pytest.mark.parametrize("password", ["short", "         x", " leading-space-password", ""])
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(InputError):
        check_password_rules(password)


def test_lockout_after_repeated_failures(client: TestClient, web_app: FastAPI) -> None:
    users = web_app.state.karte_web.users
    users.add("lock-me", "the-right-password", "coder")
    limit = security_policy().lockout_after_failures
    for attempt in range(limit):
        response = _try(client, "lock-me", f"wrong-{attempt}")
        assert response.status_code == 401
    assert "ロックされています" in response.text  # the last failure locked it
    user = users.get("lock-me")
    assert user.locked(dt.datetime.now(dt.UTC))
    assert user.locked_until - dt.datetime.now(dt.UTC) > dt.timedelta(
        minutes=security_policy().lockout_minutes - 1
    )
    locked = _try(client, "lock-me", "the-right-password")
    assert locked.status_code == 401 and "ロックされています" in locked.text
    reasons = [e.detail["reason"] for e in audit_events(web_app, actor="lock-me")]
    assert reasons[0] == LoginOutcome.LOCKED.value
    assert reasons[1 : limit + 1] == [LoginOutcome.BAD_PASSWORD.value] * limit
    assert all(
        e.action == "login.fail" and e.outcome == "denied" for e in audit_events(web_app, actor="lock-me")
    )
    users.unlock("lock-me")
    assert _try(client, "lock-me", "the-right-password").status_code == 303


def test_success_resets_the_failure_count(web_app: FastAPI) -> None:
    users = web_app.state.karte_web.users
    users.add("resets", "the-right-password", "coder")
    limit = security_policy().lockout_after_failures
    for _ in range(limit - 1):
        assert users.authenticate("resets", "wrong-password").outcome == LoginOutcome.BAD_PASSWORD
    assert users.authenticate("resets", "the-right-password").outcome == LoginOutcome.OK
    assert users.authenticate("resets", "wrong-password").outcome == LoginOutcome.BAD_PASSWORD
    assert users.authenticate("resets", "the-right-password").outcome == LoginOutcome.OK


def test_unknown_and_disabled_users(client: TestClient, web_app: FastAPI) -> None:
    response = _try(client, "nobody-here", "whatever-password")
    assert response.status_code == 401 and "利用者名またはパスワードが違います" in response.text
    assert audit_events(web_app, actor="nobody-here")[0].detail["reason"] == "unknown_user"
    users = web_app.state.karte_web.users
    users.add("gone", "the-right-password", "physician")
    users.set_active("gone", False)
    assert "無効化" in _try(client, "gone", "the-right-password").text


def test_open_redirect_is_not_followed(client: TestClient) -> None:
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "username": "coder",
            "password": "test-password-1",
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/patients"


def test_session_cookie_flags(client: TestClient) -> None:
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": "coder", "password": "test-password-1", "csrf_token": token},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
