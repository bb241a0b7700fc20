"""Refusals are AND audited: no session, wrong role, no CSRF token, tampered session, bad key."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_support import PASSWORD, audit_events, csrf_from, login

from karte.web.principal import SESSION_COOKIE


def _last_denial(app: FastAPI, actor: str) -> dict:
    events = [e for e in audit_events(app, actor=actor) if e.action == "access.denied"]
    assert events, f"no access.denied event for {actor}"
    return events[0].model_dump()


@pytest.mark.parametrize(
    "path", ["/patients", "/patients/D001", "/coding/D001-doc-1", "/deid", "/admin/audit"]
)
def test_pages_without_session_redirect_to_login_and_are_audited(
    client: TestClient, web_app: FastAPI, path: str
) -> None:
    before = len(audit_events(web_app, actor="anonymous"))
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    events = audit_events(web_app, actor="anonymous")
    assert len(events) == before + 1
    assert events[0].action == "access.denied" and events[0].outcome == "denied"
    assert events[0].detail["reason"] == "no_session" and events[0].detail["path"] == path


@pytest.mark.parametrize(
    ("user", "path", "allowed"),
    [
        ("researcher", "/patients", False),
        ("researcher", "/patients/D001", False),
        ("admin", "/patients/D001", False),
        ("coder", "/admin/users", False),
        ("physician", "/admin/audit", False),
        ("coordinator", "/coding/D001-doc-1", False),
        ("coder", "/screening", False),
        ("coder", "/coding/D001-doc-1", True),
        ("coordinator", "/screening", True),
        ("researcher", "/deid", True),
        ("admin", "/admin/audit", True),
    ],
)
def test_role_permissions(client: TestClient, web_app: FastAPI, user: str, path: str, allowed: bool) -> None:
    login(client, user)
    response = client.get(path, follow_redirects=False)
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403 and "権限がありません" in response.text
        denial = _last_denial(web_app, user)
        assert denial["detail"] == {"reason": "forbidden", "method": "GET", "path": path}
        assert denial["role"] == user


def test_post_without_csrf_token_is_refused(client: TestClient, web_app: FastAPI) -> None:
    token = login(client, "coder")
    form = {"subject": "D001-doc-1", "item": "icd10:R50.9", "decision": "accept", "value_system": "icd10"}
    refused = client.post("/reviews/code/decide", data=form, follow_redirects=False)
    assert refused.status_code == 403
    assert _last_denial(web_app, "coder")["detail"]["reason"] == "csrf_invalid"
    wrong = client.post(
        "/reviews/code/decide", data={**form, "csrf_token": token + "x"}, follow_redirects=False
    )
    assert wrong.status_code == 403
    assert not web_app.state.karte_web.reviews.history("code", "D001-doc-1") or all(
        d.actor != "coder" or d.item != "icd10:R50.9"
        for d in web_app.state.karte_web.reviews.history("code", "D001-doc-1")
    )
    accepted = client.post(
        "/reviews/code/decide", data={**form, "csrf_token": token, "next": "/"}, follow_redirects=False
    )
    assert accepted.status_code == 303


def test_tampered_session_cookie_is_refused(client: TestClient, web_app: FastAPI) -> None:
    login(client, "physician")
    cookie = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB"))
    response = client.get("/patients", follow_redirects=False)
    assert response.status_code == 303
    denial = _last_denial(web_app, "anonymous")
    assert denial["detail"]["reason"] == "tampered_session"


def test_login_form_without_csrf_is_refused(client: TestClient, web_app: FastAPI) -> None:
    response = client.post("/login", data={"username": "coder", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403
    assert _last_denial(web_app, "coder")["detail"]["reason"] == "csrf_invalid"


def test_logout_ends_the_session(client: TestClient) -> None:
    token = login(client, "physician")
    cookie = client.cookies[SESSION_COOKIE]
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    client.cookies.set(SESSION_COOKIE, cookie)  # replaying the old cookie does not work
    assert client.get("/patients", follow_redirects=False).status_code == 303


# -- the task API -----------------------------------------------------------------------------------


def test_task_api_needs_a_key_or_session(client: TestClient, web_app: FastAPI) -> None:
    record = {"id": "n1", "text": "【主訴】発熱"}
    assert client.post("/v1/tasks/sections", json=record).status_code == 401
    assert client.get("/v1/tasks").status_code == 401
    bad = client.post("/v1/tasks/sections", json=record, headers={"Authorization": "Bearer karte_nope_nope"})
    assert bad.status_code == 401 and bad.json()["error"]["type"] == "bad_api_key"
    reasons = [e.detail.get("reason") for e in audit_events(web_app, actor="anonymous")[:3]]
    assert reasons == ["bad_api_key", "no_session", "no_session"]


def test_task_api_with_key_runs_and_is_audited(client: TestClient, web_app: FastAPI) -> None:
    key, _ = web_app.state.karte_web.keys.create("coder", "test batch")
    headers = {"Authorization": f"Bearer {key}"}
    response = client.post(
        "/v1/tasks/sections",
        json=[{"id": "a", "document_id": "D001-doc-1"}, {"id": "b", "text": "【主訴】咳"}],
        headers=headers,
    )
    assert response.status_code == 200 and [r["id"] for r in response.json()] == ["a", "b"]
    event = audit_events(web_app, actor="coder (apikey:test batch)")[0]
    assert event.action == "task.run" and event.outcome == "ok"
    assert event.detail["task"] == "sections" and event.detail["ids"] == ["a", "b"]
    assert event.detail["document_ids"] == ["D001-doc-1"]
    me = client.get("/v1/me", headers={"X-API-Key": key}).json()
    assert me["username"] == "coder" and "task.run" in me["permissions"]


def test_task_api_refuses_a_role_without_task_run(client: TestClient, web_app: FastAPI) -> None:
    key, _ = web_app.state.karte_web.keys.create("researcher", "research key")
    response = client.post("/v1/tasks/sections", json={"id": 1, "text": "発熱"}, headers={"X-API-Key": key})
    assert response.status_code == 403 and response.json()["error"]["type"] == "forbidden"
    assert _last_denial(web_app, "researcher (apikey:research key)")["detail"]["reason"] == "forbidden"


def test_revoked_key_is_refused(client: TestClient, web_app: FastAPI) -> None:
    keys = web_app.state.karte_web.keys
    key, info = keys.create("physician", "to revoke")
    assert client.get("/v1/me", headers={"X-API-Key": key}).status_code == 200
    keys.revoke(info.key_id)
    assert client.get("/v1/me", headers={"X-API-Key": key}).status_code == 401


def test_task_api_through_a_session_needs_the_csrf_header(client: TestClient) -> None:
    token = login(client, "physician")
    record = {"id": 1, "text": "【主訴】発熱"}
    assert client.post("/v1/tasks/sections", json=record).status_code == 403
    assert client.post("/v1/tasks/sections", json=record, headers={"X-CSRF-Token": token}).status_code == 200


def test_csrf_token_is_per_session(client: TestClient, web_app: FastAPI) -> None:
    first = login(client, "coder")
    other = TestClient(web_app)
    second = login(other, "coder")
    assert first != second
    assert csrf_from(client.get("/account").text) == first
