"""``karte batch`` on the command line (exit codes, summary, refusals) and ``GET /metrics``."""

from __future__ import annotations

import json
from pathlib import Path

from batch_inputs import karte_run_lines, notes_jsonl, shard_lines
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from karte.api import create_app
from karte.cli.main import app
from karte.config import Settings

runner = CliRunner()


def test_cli_batch_then_resume_of_finished_run(tmp_path: Path) -> None:
    data = notes_jsonl(20)
    infile = tmp_path / "in.jsonl"
    infile.write_bytes(data)
    out = tmp_path / "out"
    args = ["batch", "normalize", "--input", str(infile), "--output", str(out), "--batch-records", "6"]
    first = runner.invoke(app, args)
    assert first.exit_code == 1, first.output  # bad records: exit 1 like karte run, but all written
    expected = karte_run_lines("normalize", data)
    failed = sum("error" in json.loads(x) for x in expected)
    assert f"成功 {len(expected) - failed}, 失敗 {failed}" in first.output
    assert shard_lines(out) == expected
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--resume" in again.output
    done = runner.invoke(app, [*args, "--resume"])
    assert "完了済み" in done.output


def test_cli_refuses_bad_options(tmp_path: Path) -> None:
    infile = tmp_path / "in.jsonl"
    infile.write_bytes(notes_jsonl(2, bad_lines=False))
    base = ["batch", "sections", "--input", str(infile), "--output", str(tmp_path / "out")]
    assert "--engine" in runner.invoke(app, [*base, "--engine", "spark"]).output
    assert "--format" in runner.invoke(app, [*base, "--format", "csv"]).output
    assert "--address" in runner.invoke(app, [*base, "--address", "auto"]).output
    missing = runner.invoke(app, ["batch", "sections", "--input", str(tmp_path / "nope.jsonl"), "-o", "x"])
    assert missing.exit_code == 2 and "nope.jsonl" in missing.output
    unknown = runner.invoke(
        app, ["batch", "no-such-task", "--input", str(infile), "-o", str(tmp_path / "o2")]
    )
    assert unknown.exit_code == 2 and "no-such-task" in unknown.output


def test_metrics_endpoint_counts_requests_records_and_errors() -> None:
    client = TestClient(create_app(Settings(auth="none")))
    client.post("/v1/tasks/sections", json=[{"id": 1, "text": "【主訴】発熱"}, {"id": 2, "text": ""}])
    client.post("/v1/tasks/sections", json={"id": 3, "text": "S) 咳嗽"})
    client.post("/v1/tasks/normalize", json={"text": "no id"})
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in response.text.splitlines()
        if line and not line.startswith("#")
    }
    assert samples['karte_task_requests_total{task="sections"}'] == 2
    assert samples['karte_task_records_total{task="sections"}'] == 3
    assert samples['karte_task_errors_total{task="sections",type="validation_error"}'] == 1
    assert samples['karte_task_errors_total{task="normalize",type="missing_id"}'] == 1
    assert "# TYPE karte_task_records_total counter" in response.text
    assert json.loads(client.get("/healthz").text)["status"] == "ok"
