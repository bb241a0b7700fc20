"""The draft editor: draft from a stored patient, citations highlighted in the sources, unsupported
content marked (also in a physician's edit), approval, FHIR export, roles and audit."""

from __future__ import annotations

import html
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_support import audit_actions, cohort_records, login

from karte.web.draft_records import DraftRecords

PATIENT = "D002"


def _create(client: TestClient, token: str, document_type: str = "discharge_summary", **extra: str) -> str:
    form = {"csrf_token": token, "patient_id": PATIENT, "document_type": document_type, **extra}
    response = client.post("/drafts/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/drafts/draft-[0-9a-f]{16}", location)
    return location.rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def drafted(web_app: FastAPI) -> tuple[str, str]:
    """One discharge summary of D002, drafted through the page by the physician (draft id, token)."""
    client = TestClient(web_app)
    token = login(client, "physician")
    return _create(client, token), token


def _digest_shown(client: TestClient, draft_id: str) -> str:
    found = re.search(r'name="digest" value="([0-9a-f]{64})"', client.get(f"/drafts/{draft_id}").text)
    assert found, "no approval form"
    return found.group(1)


def _records(web_app: FastAPI) -> DraftRecords:
    services = web_app.state.karte_web
    return DraftRecords(services.reviews, services.ctx)


def test_draft_shows_sections_citations_and_the_review_notice(
    client: TestClient, web_app: FastAPI, drafted: tuple[str, str]
) -> None:
    draft_id, _ = drafted
    login(client, "physician")
    page = client.get(f"/drafts/{draft_id}")
    assert page.status_code == 200
    assert "下書き・要確認" in page.text and "臨床医の確認が必要です" in page.text
    record = _records(web_app).load(draft_id)
    assert record.patient_id == PATIENT and record.output.mode == "extractive"
    for section in record.sections:
        assert f'id="section-{section.code}"' in page.text
    sources = {s.id: s.text for s in record.output.sources}
    chart_notes = {d.id: d.text for r in cohort_records() if r.id == PATIENT for d in r.documents}
    numbers = sorted({int(n) for n in re.findall(r'class="ref" href="#c(\d+)"', page.text)})
    assert numbers and numbers == list(range(1, len(numbers) + 1))
    for n in numbers:  # every citation number has its highlighted span in a source
        assert f'id="c{n}"' in page.text
    for section in record.sections:
        for sentence in section.sentences:
            for c in sentence.citations:
                quoted = sources[c.document][c.start : c.end]
                assert quoted.strip()
                if c.document in chart_notes:  # notes are quoted from the ORIGINAL text
                    assert chart_notes[c.document][c.start : c.end] == quoted
    marks = re.findall(r"<mark[^>]*>([^<]*)</mark>", page.text.split('class="draft-sources"')[1])
    assert marks and all(html.unescape(m) in "".join(sources.values()) for m in marks)
    assert audit_actions(web_app, "physician", "draft.view")[0].patient_id == PATIENT


def test_edit_is_checked_against_the_sources_and_approval_needs_confirmation(
    client: TestClient, web_app: FastAPI
) -> None:
    token = login(client, "physician")
    draft_id = _create(client, token)
    before = _records(web_app).load(draft_id).section("discharge_plan")
    kept = before.sentences[0]
    text = f"{kept.text}\nワルファリン 5mg を開始する。"
    url = f"/drafts/{draft_id}/sections/discharge_plan"
    assert client.post(url, data={"text": text}, follow_redirects=False).status_code == 403  # no CSRF token
    assert (
        client.post(url, data={"text": text, "csrf_token": token}, follow_redirects=False).status_code == 303
    )
    record = _records(web_app).load(draft_id)
    edited = record.section("discharge_plan")
    assert [s.text for s in edited.sentences] == [kept.text, "ワルファリン 5mg を開始する。"]
    assert edited.sentences[0].citations == kept.citations and edited.sentences[0].supported
    flagged = edited.sentences[1]
    assert not flagged.supported and {i.kind for i in flagged.issues} >= {"drug"}
    page = client.get(f"/drafts/{draft_id}").text
    assert "unsupported-sentence" in page and "ワルファリン" in page and "編集: physician" in page
    shown = _digest_shown(client, draft_id)
    refused = client.post(
        f"/drafts/{draft_id}/approve", data={"csrf_token": token, "digest": shown}, follow_redirects=False
    )
    assert refused.status_code == 400 and "確認できない記述" in refused.text
    assert _records(web_app).load(draft_id).approval is None
    assert client.get(f"/drafts/{draft_id}/fhir.json").status_code == 409  # not approved yet
    approve = {"csrf_token": token, "acknowledge": "yes", "digest": shown}
    assert client.post(f"/drafts/{draft_id}/approve", data=approve, follow_redirects=False).status_code == 303
    assert _records(web_app).load(draft_id).approval is not None
    edit_after = {"text": kept.text, "csrf_token": token}
    assert client.post(url, data=edit_after, follow_redirects=False).status_code == 303
    record = _records(web_app).load(draft_id)
    assert record.approval is None and record.stale_approval is not None  # an edit voids the approval
    assert client.get(f"/drafts/{draft_id}/fhir.json").status_code == 409
    assert "再承認が必要です" in client.get(f"/drafts/{draft_id}").text
    audited = audit_actions(web_app, "physician", "draft.decide")[0]
    assert (
        audited.patient_id == PATIENT and "value_sha256" in audited.detail and "value" not in audited.detail
    )


def test_approved_draft_exports_a_valid_fhir_document(
    client: TestClient, web_app: FastAPI, drafted: tuple[str, str]
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    draft_id, _ = drafted
    token = login(client, "physician")
    record = _records(web_app).load(draft_id)
    approve = {"csrf_token": token, "acknowledge": "yes", "digest": _digest_shown(client, draft_id)}
    assert client.post(f"/drafts/{draft_id}/approve", data=approve, follow_redirects=False).status_code == 303
    response = client.get(f"/drafts/{draft_id}/fhir.json")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    Bundle.model_validate(response.json())  # a valid FHIR R4B Bundle
    bundle = response.json()
    composition = bundle["entry"][0]["resource"]
    assert bundle["type"] == "document" and composition["resourceType"] == "Composition"
    assert composition["status"] == "final" and "physician" in composition["attester"][0]["party"]["display"]
    assert [s["title"] for s in composition["section"]] == [s.title for s in record.sections]
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    source = next(r for r in cohort_records() if r.id == PATIENT)
    assert source.birth_date is not None and patient["birthDate"] == source.birth_date.isoformat()
    assert audit_actions(web_app, "physician", "draft.export")[0].patient_id == PATIENT


def test_approval_of_a_text_changed_since_it_was_shown_is_refused(
    client: TestClient, web_app: FastAPI
) -> None:
    token = login(client, "physician")
    draft_id = _create(client, token, "patient_advice")
    shown = _digest_shown(client, draft_id)
    section = _records(web_app).load(draft_id).sections[0]
    edit = {"csrf_token": token, "text": section.sentences[0].text}  # another physician shortens it
    assert client.post(f"/drafts/{draft_id}/sections/{section.code}", data=edit).status_code == 200
    approve = {"csrf_token": token, "acknowledge": "yes", "digest": shown}
    response = client.post(f"/drafts/{draft_id}/approve", data=approve, follow_redirects=False)
    assert response.status_code == 400 and "表示後に下書きが編集されました" in response.text
    assert _records(web_app).load(draft_id).approval is None


def test_referral_letter_carries_the_purpose_given(client: TestClient, web_app: FastAPI) -> None:
    token = login(client, "physician")
    draft_id = _create(
        client, token, "referral_letter", to_institution="市立病院", to_purpose="糖尿病教育入院のご依頼"
    )
    record = _records(web_app).load(draft_id)
    purpose = record.section("referral_purpose")
    assert "糖尿病教育入院のご依頼" in purpose.text and purpose.sentences[0].citations
    assert "市立病院" in client.get(f"/drafts/{draft_id}").text


def test_unknown_patient_is_a_clear_error(client: TestClient, web_app: FastAPI) -> None:
    token = login(client, "physician")
    form = {"csrf_token": token, "patient_id": "NO-SUCH", "document_type": "discharge_summary"}
    response = client.post("/drafts/new", data=form, follow_redirects=False)
    assert response.status_code == 400 and "NO-SUCH" in response.text
    assert audit_actions(web_app, "physician", "draft.create")[0].outcome == "error"
    assert client.get("/drafts/draft-0000000000000000").status_code == 404


@pytest.mark.parametrize(("user", "path"), [("coordinator", "/drafts"), ("coder", "/drafts/draft-x")])
def test_other_roles_cannot_open_drafts(client: TestClient, web_app: FastAPI, user: str, path: str) -> None:
    login(client, user)
    assert client.get(path, follow_redirects=False).status_code == 403
    assert audit_actions(web_app, user, "access.denied")[0].detail["path"] == path


def test_coordinator_cannot_approve(client: TestClient, web_app: FastAPI, drafted: tuple[str, str]) -> None:
    draft_id, _ = drafted
    token = login(client, "coordinator")
    response = client.post(f"/drafts/{draft_id}/approve", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 403
    assert all(d.actor != "coordinator" for d in web_app.state.karte_web.reviews.history("draft", draft_id))
