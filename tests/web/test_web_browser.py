"""The pages in a real headless Chromium (Debian's ``chromium`` via Playwright, one browser per session).

Flows: log-in → patient list → chart view → coding review → accept; failed log-ins → lockout;
log-in → screening → accept a candidate → CSV export (the downloaded file checked); log-in → draft →
edit → approve → FHIR export (validated with fhir.resources).
``KARTE_WEB_SCREENSHOTS=DIR`` keeps the screenshots.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from web_support import PASSWORD, audit_events, cohort_records, patient_with

from karte.auth import security_policy

CHROMIUM = Path(os.environ.get("KARTE_CHROMIUM", "/usr/bin/chromium"))
SLOW_MS = 180_000  # first use of the screening compiler and the drafting lexicon in this process
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(web_app: FastAPI) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(web_app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the web server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: run bash .ci/install-chromium.sh (apt-get install chromium)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server, locale="ja-JP", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


def _login(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("利用者名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def _screenshot(page: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=False)
    keep = os.environ.get("KARTE_WEB_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / name)
    return path


def test_login_patient_list_chart_and_accept_a_code(page: Any, web_app: FastAPI, tmp_path: Path) -> None:
    record, document_id = patient_with(cohort_records(), "脱力")
    _login(page, "physician")
    page.wait_for_url("**/patients")
    assert page.locator("#patient-list tbody tr").count() == len(cohort_records())
    page.get_by_role("link", name=record.id, exact=True).click()
    page.wait_for_url(f"**/patients/{record.id}")
    assert page.locator("#patient-id").inner_text() == record.id
    assert page.locator("mark.m-disease").count() > 0 and page.locator("mark.m-heading").count() > 0
    negative = page.locator("mark.cert-negative").first
    if negative.count():
        assert negative.evaluate("e => getComputedStyle(e).textDecorationLine") == "line-through"
    shot = _screenshot(page, tmp_path, "chart.png")
    assert shot.stat().st_size > 10_000
    page.locator(f'article[data-document-id="{document_id}"]').get_by_role(
        "link", name="コーディング確認"
    ).click()
    page.wait_for_url("**/coding/**")
    card = page.locator('section.proposal[data-item="icd10:R53"]')
    assert card.count() == 1 and page.locator("mark.m-evidence").count() > 0
    card.get_by_role("button", name="承認", exact=True).click()
    page.wait_for_url("**/coding/**")
    assert "承認" in page.locator('section.proposal[data-item="icd10:R53"] .status').inner_text()
    decision = web_app.state.karte_web.reviews.current("code", document_id)["icd10:R53"]
    assert decision.decision == "accept" and decision.actor == "physician"
    _screenshot(page, tmp_path, "coding.png")


def test_failed_logins_lock_the_account(page: Any, web_app: FastAPI) -> None:
    web_app.state.karte_web.users.add("browser-lock", "browser-password", "coder")
    for attempt in range(security_policy().lockout_after_failures):
        _login(page, "browser-lock", f"wrong-password-{attempt}")
        assert page.locator("p.alert").count() == 1
    assert "ロックされています" in page.locator("p.alert").inner_text()
    _login(page, "browser-lock", "browser-password")
    assert "ロックされています" in page.locator("p.alert").inner_text()
    assert audit_events(web_app, actor="browser-lock")[0].detail["reason"] == "locked"


def test_logout(page: Any) -> None:
    _login(page, "coder")
    page.wait_for_url("**/patients")
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url("**/login")
    page.goto("/patients")
    assert "/login" in page.url


def test_screening_accept_a_candidate_and_export(page: Any, web_app: FastAPI, tmp_path: Path) -> None:
    _login(page, "coordinator")
    page.wait_for_url("**/patients")
    page.get_by_role("link", name="治験スクリーニング").click(timeout=SLOW_MS)  # the first screening
    page.wait_for_url("**/screening", timeout=SLOW_MS)  # compiles the trial
    card = page.locator('section.candidate[data-patient="D002"]')
    assert card.locator(".elig").inner_text() == "適格の可能性"
    assert page.locator("#criteria code.compiled").count() == 5
    assert card.locator("mark.m-evidence").count() > 0
    card.get_by_role("button", name="候補として採用").click()
    page.wait_for_url("**/screening?trial=DEMO-DM")
    decided = page.locator('section.candidate[data-patient="D002"] .decision')
    assert "承認" in decided.inner_text() and "coordinator" in decided.inner_text()
    _screenshot(page, tmp_path, "screening.png")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV 出力").click()
    download = info.value
    assert download.suggested_filename == "karte-screening-DEMO-DM.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    by_id = {row["patient_id"]: row for row in rows}
    assert set(by_id) == {r.id for r in cohort_records()}
    assert by_id["D002"]["decision"] == "accept" and by_id["D002"]["decided_by"] == "coordinator"
    assert by_id["D002"]["eligible"] == "eligible" and by_id["D002"]["rank"] == "1"
    stored = web_app.state.karte_web.reviews.current("screening", "DEMO-DM")["D002"]
    assert by_id["D002"]["decided_at"] == stored.at.isoformat()
    # what the coordinator saw is kept with the decision: eligibility and each criterion's status
    assert stored.value["eligible"] == "eligible"
    assert {k: v for k, v in stored.value.items() if k.startswith("criterion_")} == {
        f"criterion_{c}": by_id["D002"][f"{c}_status"] for c in ("I1", "I2", "I3", "E1", "E2")
    }


def test_draft_edit_approve_and_export_fhir(page: Any, web_app: FastAPI, tmp_path: Path) -> None:
    from fhir.resources.R4B.bundle import Bundle

    _login(page, "physician")
    page.wait_for_url("**/patients")
    page.get_by_role("link", name="文書下書き").click()
    page.wait_for_url("**/drafts")
    assert "下書き・要確認" in page.locator("p.draft-banner").inner_text()
    page.get_by_label("患者 ID").fill("D002")
    page.get_by_label("文書の種類").select_option("discharge_summary")
    page.get_by_role("button", name="下書きを作成").click(timeout=SLOW_MS)  # the first draft
    page.wait_for_url("**/drafts/draft-*", timeout=SLOW_MS)  # loads the lexicon
    assert "下書き・要確認" in page.locator("#draft-notice").inner_text()
    assert page.locator("a.ref").count() > 0 and page.locator(".draft-sources mark").count() > 0
    page.locator("a.ref").first.click()
    assert page.locator(".draft-sources mark:target").count() == 1
    section = page.locator("#section-discharge_plan")
    section.locator("summary", has_text="編集").click()
    box = section.locator("textarea")
    box.fill(box.input_value() + "\nワルファリン 5mg を開始する。")
    section.get_by_role("button", name="保存").click()
    page.wait_for_url("**/drafts/draft-*")
    flagged = page.locator("#section-discharge_plan li.unsupported-sentence")
    assert flagged.count() == 1 and "ワルファリン" in flagged.inner_text()
    _screenshot(page, tmp_path, "draft.png")
    page.get_by_label(re.compile("確認しました")).check()  # the drug added above is not in the chart
    page.get_by_role("button", name="内容を確認して承認").click()
    page.wait_for_url("**/drafts/draft-*")
    assert "承認済み" in page.locator("#approval-status").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="FHIR Bundle をダウンロード").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    Bundle.model_validate_json(text)  # a valid FHIR R4B Bundle
    composition = json.loads(text)["entry"][0]["resource"]
    assert composition["status"] == "final" and "physician" in composition["attester"][0]["party"]["display"]
    plan = next(s for s in composition["section"] if s["title"] == "退院後の方針")
    assert "ワルファリン 5mg を開始する。" in plan["text"]["div"]
    draft_id = page.url.split("#")[0].rsplit("/", 1)[1]
    history = web_app.state.karte_web.reviews.history("draft", draft_id)
    assert [d.decision for d in history] == ["create", "edit", "approve"]
    assert {d.actor for d in history} == {"physician"}
