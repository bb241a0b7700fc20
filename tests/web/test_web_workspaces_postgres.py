"""The screening workspace and the draft editor on a real PostgreSQL server: decisions, drafts with
their sources (long JSON values), CSV and FHIR exports, and an intact audit chain."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_support import audit_actions, build_app, login

from karte.config import Settings


@pytest.mark.postgres
def test_workspaces_on_postgresql(pg_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from fhir.resources.R4B.bundle import Bundle

    settings = Settings(home=tmp_path, db=pg_server.create_database(), web_secret="q" * 40, llm="none")
    app = build_app(settings)
    coordinator = TestClient(app)
    token = login(coordinator, "coordinator")
    assert 'data-patient="D002"' in coordinator.get("/screening").text
    form = {
        "csrf_token": token,
        "subject": "DEMO-DM",
        "item": "D002",
        "patient_id": "D002",
        "decision": "accept",
    }
    assert coordinator.post("/reviews/screening/decide", data=form, follow_redirects=False).status_code == 303
    exported = coordinator.get("/screening/export.csv", params={"trial": "DEMO-DM"})
    rows = {r["patient_id"]: r for r in csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")))}
    assert rows["D002"]["decision"] == "accept" and rows["D002"]["decided_by"] == "coordinator"

    physician = TestClient(app)
    token = login(physician, "physician")
    form = {
        "csrf_token": token,
        "patient_id": "D002",
        "document_type": "referral_letter",
        "mode": "extractive",
    }
    created = physician.post("/drafts/new", data=form, follow_redirects=False)
    assert created.status_code == 303
    url = created.headers["location"]
    page = physician.get(url).text
    assert "下書き・要確認" in page
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page)
    assert digest
    approve = {"csrf_token": token, "digest": digest.group(1), "acknowledge": "yes"}
    assert physician.post(f"{url}/approve", data=approve, follow_redirects=False).status_code == 303
    bundle = physician.get(f"{url}/fhir.json")
    assert bundle.status_code == 200
    Bundle.model_validate(bundle.json())
    assert bundle.json()["entry"][0]["resource"]["status"] == "final"
    assert audit_actions(app, "physician", "draft.export")[0].patient_id == "D002"
    assert app.state.karte_web.audit.verify().ok
    app.state.karte_web.close()
