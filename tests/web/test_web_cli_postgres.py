"""``karte users`` / ``karte audit verify`` and the service on a real PostgreSQL server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner, Result
from web_support import PASSWORD, audit_events, build_app, cohort_records, login

from karte.audit import AuditLog
from karte.cli import audit_cmd, serve_cmd, users_cmd, web_cmd
from karte.config import Settings

# The commands of this issue only: importing karte.cli.main would pull in every other command group.
karte_app = typer.Typer()
for _module in (users_cmd, audit_cmd, serve_cmd, web_cmd):
    _module.register(karte_app)


def karte(*args: str, home: Path, stdin: str | None = None) -> Result:
    """The ``karte`` command, in process (``KARTE_HOME`` is ``home``, set by the autouse fixture)."""
    assert os.environ["KARTE_HOME"] == str(home)
    return CliRunner().invoke(karte_app, list(args), input=stdin)


def test_users_and_audit_commands(karte_home: Path, tmp_path: Path) -> None:
    added = karte(
        "users",
        "add",
        "root-admin",
        "--role",
        "admin",
        "--password-stdin",
        home=karte_home,
        stdin="admin-password-1\n",
    )
    assert added.exit_code == 0, added.stderr
    assert (
        karte(
            "users",
            "add",
            "x",
            "--role",
            "nurse",
            "--password-stdin",
            home=karte_home,
            stdin="long-enough-pw\n",
        ).exit_code
        == 2
    )
    weak = karte("users", "add", "y", "--role", "coder", "--password-stdin", home=karte_home, stdin="short\n")
    assert weak.exit_code == 2 and "10 文字以上" in weak.stderr
    key = karte("users", "key-add", "root-admin", "--name", "監視", home=karte_home)
    assert key.exit_code == 0 and key.stdout.startswith("karte_")
    listed = karte("users", "list", home=karte_home)
    assert "root-admin\tadmin\t管理者\t有効" in listed.stdout
    anchor = tmp_path / "audit-head"
    verified = karte("audit", "verify", "--anchor", str(anchor), home=karte_home)
    assert verified.exit_code == 0 and "監査ログ OK: 2 行" in verified.stdout
    assert anchor.read_text().split()[0] == "2"
    shown = karte("audit", "show", "--json", home=karte_home)
    assert '"action": "user.key-add"' in shown.stdout and '"action": "user.add"' in shown.stdout


@pytest.mark.postgres
def test_service_on_postgresql(pg_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = pg_server.create_database()
    settings = Settings(home=tmp_path, db=url, web_secret="p" * 40, llm="none")
    app = build_app(settings)
    client = TestClient(app)
    login(client, "physician")
    record = cohort_records()[0]
    page = client.get(f"/patients/{record.id}")
    assert page.status_code == 200 and 'class="m-disease' in page.text
    key, _ = app.state.karte_web.keys.create("coder", "pg")
    ran = client.post(
        "/v1/tasks/sections",
        json={"id": 1, "document_id": record.documents[0].id},
        headers={"X-API-Key": key},
    )
    assert ran.status_code == 200 and ran.json()["sections"]
    assert client.get("/v1/tasks", headers={"X-API-Key": "karte_bad_key"}).status_code == 401
    actions = [e.action for e in audit_events(app)[:4]]
    assert actions == ["access.denied", "task.run", "chart.view", "login.ok"]
    engine = app.state.karte_web.engine
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'x'"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))
    assert AuditLog(engine).verify().ok
    with engine.begin() as conn:  # a database administrator drops the guard and edits a row
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(text("UPDATE audit_log SET ip = '192.0.2.1' WHERE seq = 2"))
    assert "row 2: content altered" in AuditLog(engine).verify().problems[0]
    app.state.karte_web.close()


@pytest.mark.postgres
def test_concurrent_appends_keep_one_chain(pg_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    from karte.audit import AuditEvent
    from karte.audit.database import open_service_engine

    engine = open_service_engine(pg_server.create_database())
    log = AuditLog(engine)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: log.append(AuditEvent(actor=f"u{i}", action="chart.view")), range(80)))
    report = log.verify()
    assert report.ok and report.rows == 80
    engine.dispose()


def test_serve_refuses_auth_none_off_loopback(karte_home: Path) -> None:
    done = karte("serve", "--host", "0.0.0.0", "--auth", "none", home=karte_home)
    assert done.exit_code == 2 and "ループバック" in done.stderr


def test_password_is_not_in_the_database(karte_home: Path) -> None:
    assert (
        karte(
            "users",
            "add",
            "pw",
            "--role",
            "coder",
            "--password-stdin",
            home=karte_home,
            stdin=f"{PASSWORD}-secret\n",
        ).exit_code
        == 0
    )
    assert f"{PASSWORD}-secret".encode() not in (karte_home / "karte.db").read_bytes()


def test_precompute_fills_the_cache(karte_home: Path) -> None:
    from karte.records.store import open_store

    records = cohort_records(2)
    for record in records:  # stored as imported from a source without sections
        for document in record.documents:
            document.sections = []
    with open_store() as store:
        store.add_records(records)
    done = karte("web", "precompute", "--what", "sections", home=karte_home)
    assert done.exit_code == 0, done.output
    with open_store() as store, store._engine.connect() as conn:
        cached = conn.execute(text("SELECT task, count(*) FROM analysis_cache GROUP BY task")).all()
    assert cached == [("sections", sum(len(r.documents) for r in records))]
    assert karte("web", "precompute", "--what", "nonsense", home=karte_home).exit_code == 2
