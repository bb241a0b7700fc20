"""The pages: patient list, chart view with highlights, coding review decisions, de-identification, CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_support import STAND_IN_SPECS, audit_events, cohort_records, login, patient_with

from karte.tasks.registry import TaskSpec
from karte.web.highlight import Mark, highlight


@pytest.mark.parametrize(
    ("text", "marks", "expected"),
    [
        ("発熱あり", [(0, 2, "d")], [("発熱", "d"), ("あり", None)]),
        ("頭痛なし", [(0, 4, "a"), (0, 2, "b")], [("頭痛なし", "a")]),  # the longer of two at one start wins
        (
            "abcdef",
            [(1, 3, "x"), (2, 5, "y"), (4, 6, "z")],
            [("a", None), ("bc", "x"), ("d", None), ("ef", "z")],
        ),
        ("abc", [(2, 9, "out"), (1, 1, "empty")], [("abc", None)]),
        ("", [], [("", None)]),
    ],
)
def test_highlight_runs(
    text: str, marks: list[tuple[int, int, str]], expected: list[tuple[str, str | None]]
) -> None:
    result = highlight(text, [Mark(start=s, end=e, kind=k) for s, e, k in marks])
    assert [(r.text, r.mark.kind if r.mark else None) for r in result.runs] == expected
    assert "".join(r.text for r in result.runs) == text
    assert len(result.hidden) == len(marks) - sum(1 for _, k in expected if k)


def test_patient_list_search_and_audit(client: TestClient, web_app: FastAPI) -> None:
    records = cohort_records()
    login(client, "physician")
    page = client.get("/patients")
    assert page.status_code == 200 and f"{len(records)} 名" in page.text
    for record in records:
        assert f"/patients/{record.id}" in page.text
    surname = records[1].name.split("\u3000")[0] if records[1].name else records[1].id
    found = client.get("/patients", params={"q": surname})
    assert f"/patients/{records[1].id}" in found.text and f'/patients/{records[0].id}"' not in found.text
    none = client.get("/patients", params={"q": "該当なし患者"})
    assert "該当する患者はいません" in none.text
    event = audit_events(web_app, actor="physician")[0]
    assert event.action == "patient.list" and event.detail["patient_ids"] == []


def test_chart_view_highlights_entities_by_type_and_certainty(client: TestClient, web_app: FastAPI) -> None:
    record, document_id = patient_with(cohort_records(), "頭痛なし")
    login(client, "physician")
    page = client.get(f"/patients/{record.id}")
    assert page.status_code == 200
    assert record.name and record.name in page.text
    assert re.search(
        r'<mark class="m-disease cert-negative" title="病名・症状 / なし \(否定\)[^"]*">頭痛</mark>',
        page.text,
    )
    assert '<mark class="m-heading' in page.text  # section headings
    assert f"/coding/{document_id}" in page.text
    event = audit_events(web_app, actor="physician")[0]
    assert event.action == "chart.view" and event.patient_id == record.id
    assert document_id in event.detail["document_ids"]


def test_chart_without_stored_sections_uses_the_sections_task(client: TestClient) -> None:
    record = cohort_records()[-1]  # stored without sections
    assert all(not d.sections for d in record.documents)
    login(client, "coder")
    page = client.get(f"/patients/{record.id}")
    assert page.text.count('<mark class="m-heading') >= len(record.documents)


def test_task_results_are_cached_per_document(client: TestClient, web_app: FastAPI) -> None:
    analyses = web_app.state.karte_web.analyses
    calls: list[str] = []
    original = STAND_IN_SPECS["entities"]

    def counting(inp, ctx):  # type: ignore[no-untyped-def]
        calls.append(inp.document_id)
        return original.func(inp, ctx)

    analyses.specs["entities"] = TaskSpec("counting-extract", original.input, original.output, counting, "")
    try:
        record = cohort_records()[2]
        login(client, "physician")
        first = client.get(f"/patients/{record.id}").text
        assert sorted(calls) == sorted(d.id for d in record.documents)
        second = client.get(f"/patients/{record.id}").text
        assert len(calls) == len(record.documents) and first.count("<mark") == second.count("<mark")
    finally:
        analyses.specs["entities"] = original


def test_sections_only_when_no_extract_task(client: TestClient, web_app: FastAPI) -> None:
    analyses = web_app.state.karte_web.analyses
    saved, saved_tasks = analyses.specs.pop("entities"), dict(analyses.tasks)
    analyses.tasks["entities"] = ("no-such-task",)
    try:
        login(client, "physician")
        page = client.get(f"/patients/{cohort_records()[0].id}").text
        assert "固有表現抽出タスク (extract) が登録されていない" in page
        assert '<mark class="m-heading' in page and 'class="m-disease' not in page
    finally:
        analyses.specs["entities"], analyses.tasks = saved, saved_tasks


def _decide(client: TestClient, token: str, document_id: str, item: str, decision: str, **value: str):  # type: ignore[no-untyped-def]
    form = {
        "csrf_token": token,
        "subject": document_id,
        "item": item,
        "decision": decision,
        "value_system": "icd10",
        "next": f"/coding/{document_id}",
    }
    form.update({f"value_{k}": v for k, v in value.items()})
    return client.post("/reviews/code/decide", data=form, follow_redirects=False)


def test_coding_review_accept_edit_reject_are_stored_and_audited(
    client: TestClient, web_app: FastAPI
) -> None:
    _, document_id = patient_with(cohort_records(), "脱力")
    token = login(client, "coder")
    page = client.get(f"/coding/{document_id}")
    assert page.status_code == 200
    assert 'data-item="icd10:R53"' in page.text and '<mark class="m-evidence ev-1"' in page.text
    assert _decide(client, token, document_id, "icd10:R53", "accept").status_code == 303
    edited = _decide(client, token, document_id, "icd10:R53", "edit", code="R53")
    assert edited.status_code == 303
    invalid = _decide(client, token, document_id, "icd10:R53", "edit", code="ZZZ.9")
    assert invalid.status_code == 400 and "コード表にありません" in invalid.text
    not_allowed = _decide(client, token, document_id, "icd10:R53", "approve")
    assert not_allowed.status_code == 400
    assert _decide(client, token, document_id, "icd10:R53", "reject").status_code == 303
    reviews = web_app.state.karte_web.reviews
    history = [d for d in reviews.history("code", document_id) if d.item == "icd10:R53"]
    assert [d.decision for d in history][-3:] == ["accept", "edit", "reject"]
    assert reviews.current("code", document_id)["icd10:R53"].decision == "reject"
    decided = [e for e in audit_events(web_app, actor="coder") if e.action == "code.decide"]
    assert [e.detail["decision"] for e in decided[:3]] == ["reject", "edit", "accept"]
    assert decided[0].patient_id is None or decided[0].target == f"code:{document_id}"
    assert "判定: <strong>却下</strong>" in client.get(f"/coding/{document_id}").text


def test_code_decisions_export_as_csv(client: TestClient, web_app: FastAPI) -> None:
    _, document_id = patient_with(cohort_records(), "脱力")
    token = login(client, "coder")
    assert _decide(client, token, document_id, "icd10:R53", "accept").status_code == 303
    response = client.get("/reviews/code/export.csv", params={"subject": document_id})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["item"]: r["decision"] for r in rows}["icd10:R53"] == "accept"
    assert audit_events(web_app, actor="coder")[0].action == "code.export"


def test_deid_preview_shows_the_original_only_to_roles_that_read_charts(client: TestClient) -> None:
    record = cohort_records()[0]
    document = record.documents[0]
    login(client, "researcher")
    researcher = client.get("/deid", params={"document_id": document.id}).text
    assert 'id="deidentified"' in researcher and "原文" not in researcher
    client.cookies.clear()
    login(client, "physician")
    physician = client.get("/deid", params={"document_id": document.id}).text
    assert "原文" in physician and 'class="m-pii' in physician


def test_screening_and_drafts_workspaces_have_their_content(client: TestClient) -> None:
    login(client, "coordinator")
    screening = client.get("/screening").text
    assert 'id="criteria"' in screening and "準備中" not in screening
    client.cookies.clear()
    login(client, "physician")
    drafts = client.get("/drafts").text
    assert 'id="new-draft"' in drafts and "下書き・要確認" in drafts and "準備中" not in drafts


def test_admin_adds_and_unlocks_users_from_the_page(client: TestClient, web_app: FastAPI) -> None:
    token = login(client, "admin")
    form = {
        "csrf_token": token,
        "action": "add",
        "username": "suzuki",
        "role": "coder",
        "password": "another-password",
        "display_name": "鈴木",
    }
    assert client.post("/admin/users", data=form, follow_redirects=False).status_code == 303
    assert web_app.state.karte_web.users.get("suzuki").role == "coder"
    short = client.post("/admin/users", data={**form, "username": "tanaka", "password": "short"})
    assert short.status_code == 400 and "10 文字以上" in short.text
    made = client.post(
        "/admin/users",
        data={"csrf_token": token, "action": "key-add", "username": "suzuki", "key_name": "夜間バッチ"},
    )
    assert made.status_code == 200 and re.search(r'id="new-key">karte_', made.text)
    actions = [e.action for e in audit_events(web_app, actor="admin")[:2]]
    assert actions == ["user.key-add", "user.add"]


def test_code_proposals_from_code_note_mentions_are_merged_best_first() -> None:
    from karte.web.adapters import code_proposals

    def code(c: str, score: float, start: int) -> dict:
        return {
            "system": "icd10",
            "code": c,
            "display": c,
            "score": score,
            "evidence": {"spans": [{"start": start, "end": start + 2, "text": "肺炎"}], "rationale": "r"},
        }

    output = {
        "mentions": [
            {"certainty": "negative", "codes": [code("J18.9", 0.6, 0), code("J15.9", 0.4, 0)]},
            {"certainty": "positive", "codes": [code("J18.9", 0.9, 10)]},
            {"codes": "not a list"},
        ]
    }
    proposals = code_proposals(output)
    assert [(p.code, p.score) for p in proposals] == [("J18.9", 0.9), ("J15.9", 0.4)]
    assert [(s.start, s.end) for s in proposals[0].spans] == [(0, 2), (10, 12)]
    assert not proposals[0].negated_only and proposals[1].negated_only
    assert code_proposals({"codes": [code("R50.9", 0.5, 3), {"no": "code"}]})[0].key == "icd10:R50.9"
    assert code_proposals(None) == [] and code_proposals({"unexpected": 1}) == []


def test_entity_marks_read_certainty_from_attributes_too() -> None:
    from karte.web.adapters import entity_marks
    from karte.web.services import labels

    output = {
        "entities": [
            {"start": 0, "end": 2, "type": "disease", "certainty": "suspicious", "score": 0.7},
            {"start": 3, "end": 5, "type": "medication", "attributes": {"state": "scheduled"}},
            {"start": "x", "end": 2, "type": "disease"},
        ]
    }
    marks = entity_marks(output, labels())
    assert [(m.kind, m.css) for m in marks] == [
        ("disease", ["cert-suspicious"]),
        ("medication", ["state-scheduled"]),
    ]
    assert marks[0].title == "病名・症状 / 疑い (0.70)"
