"""The three front doors give identical results: CLI (a real subprocess), REST and Python."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from karte.api import create_app
from karte.config import Settings
from karte.tasks import run

RECORDS = [
    {"id": "a", "text": "【主訴】発熱\n【現病歴】ＣＲＰ　３．２ｍｇ／ｄＬ。ｸﾚｱﾁﾆﾝ 1.2。"},
    {"id": 2, "text": "S) 咳嗽\nO) 体温 36.8℃\nA/P: 肺炎疑い"},
    {"id": "bad", "text": ""},
    {"text": "no id"},
    {"id": "c", "text": "■既往歴\n2015年 胃癌術後\n＜内服薬＞アムロジピン 5mg"},
]


def karte_cli(*args: str, stdin: bytes | None = None, home: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "KARTE_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "karte", *args], input=stdin, capture_output=True, env=env, timeout=120
    )


def _jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


@pytest.mark.parametrize("task", ["sections", "normalize"])
def test_cli_rest_python_identical(task: str, tmp_path: Path, karte_home: Path) -> None:
    infile = tmp_path / "in.jsonl"
    infile.write_bytes(_jsonl(RECORDS))
    outfile = tmp_path / "out.jsonl"
    proc = karte_cli("run", task, "--input", str(infile), "--output", str(outfile), home=karte_home)
    assert proc.returncode == 1, proc.stderr.decode()  # two records fail, so the exit code says so
    cli = [json.loads(line) for line in outfile.read_text(encoding="utf-8").splitlines()]

    client = TestClient(create_app(Settings(auth="none")))
    response = client.post(f"/v1/tasks/{task}", json=RECORDS)
    assert response.status_code == 200
    rest = response.json()

    python = run(task, RECORDS)
    assert cli == rest == python
    assert [r.get("id") for r in cli] == ["a", 2, "bad", None, "c"]
    assert "error" in cli[2] and "error" in cli[3]
    summary = proc.stderr.decode()
    assert "成功 3" in summary and "失敗 2" in summary


def test_shortcut_and_stdin_stdout(karte_home: Path) -> None:
    proc = karte_cli("sections", "--quiet", stdin=_jsonl(RECORDS[:2]), home=karte_home)
    assert proc.returncode == 0, proc.stderr.decode()
    lines = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert [x["id"] for x in lines] == ["a", 2]
    assert proc.stderr == b""  # --quiet: no summary


def test_rest_single_record_and_errors() -> None:
    client = TestClient(create_app(Settings(auth="none")))
    ok = client.post("/v1/tasks/sections", json=RECORDS[0])
    assert ok.status_code == 200 and ok.json()["sections"][0]["name"] == "chief_complaint"
    bad = client.post("/v1/tasks/sections", json={"id": "x", "text": ""})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "text"
    not_json = client.post(
        "/v1/tasks/sections", content=b"{oops", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400 and not_json.json()["error"]["type"] == "invalid_json"
    missing = client.post("/v1/tasks/nope", json={"id": 1})
    assert missing.status_code == 404


def test_rest_lists_tasks_and_serves_docs_locally() -> None:
    client = TestClient(create_app(Settings(auth="none")))
    tasks = {t["name"]: t for t in client.get("/v1/tasks").json()}
    assert "text" in tasks["sections"]["input_fields"]
    assert "sections" in tasks["sections"]["output_fields"]
    docs = client.get("/docs").text
    assert "cdn" not in docs.lower() and "swagger-ui-bundle.js" in docs
    assert client.get("/openapi.json").json()["paths"]["/v1/tasks/sections"]["post"]


def test_cli_lists_tasks(karte_home: Path) -> None:
    proc = karte_cli("tasks", home=karte_home)
    assert proc.returncode == 0
    out = proc.stdout.decode()
    assert "sections" in out and "normalize" in out


def test_cli_unknown_task_and_missing_input(tmp_path: Path, karte_home: Path) -> None:
    proc = karte_cli("run", "nope", "--input", "-", stdin=b"", home=karte_home)
    assert proc.returncode == 2 and "nope" in proc.stderr.decode()
    proc = karte_cli("run", "sections", "--input", str(tmp_path / "missing.jsonl"), home=karte_home)
    assert proc.returncode == 2 and "missing.jsonl" in proc.stderr.decode()
