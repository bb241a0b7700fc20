"""Task ``screen`` through Python, REST and the CLI; trial compile/save/edit; report; review decisions."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from karte.api import create_app
from karte.cli.main import app
from karte.config import Settings
from karte.tasks import run

TRIAL: dict[str, Any] = {
    "id": "T-DM",
    "title": "テスト試験",
    "screening_date": "2025-12-31",
    "criteria": [
        {"id": "I1", "type": "inclusion", "text": "20歳以上の患者"},
        {"id": "I2", "type": "inclusion", "text": "2型糖尿病と診断されている患者"},
        {"id": "I3", "type": "inclusion", "text": "過去6か月以内のHbA1cが7.0%以上"},
        {"id": "E1", "type": "exclusion", "text": "インスリン治療中の患者"},
    ],
}
ELIGIBLE = "58歳男性。2019年より2型糖尿病にて通院中。インスリンは使用していない。\n2025年11月5日：HbA1c 8.1%"
ON_INSULIN = "64歳女性。2型糖尿病。\n【内服薬】\n・インスリングラルギン 10単位\n2025年10月1日：HbA1c 9.0%"
NO_DIABETES = "45歳男性。高血圧症で通院中。"
LINES: list[dict[str, Any]] = [
    {"id": "a", "text": ELIGIBLE},
    {"id": "b", "text": ON_INSULIN},
    {"id": "c", "text": NO_DIABETES},
    {"id": "d"},  # no patient: an error for this line only
    {"id": "e", "text": ELIGIBLE, "trial": {"id": "X", "criteria": []}},  # a bad trial in the line
]


def _lines(trial: dict[str, Any] | None = TRIAL) -> list[dict[str, Any]]:
    return [{**x, "trial": x.get("trial", trial)} if trial else dict(x) for x in LINES]


def test_task_output_contract_and_errors() -> None:
    out = run("screen", _lines())
    assert [o["id"] for o in out] == ["a", "b", "c", "d", "e"]
    a, b, c, d, e = out
    assert a["eligible"] == "eligible" and all(x["status"] in ("met", "not_met") for x in a["criteria"])
    assert b["eligible"] == "ineligible" and {x["id"]: x["status"] for x in b["criteria"]}["E1"] == "met"
    assert c["eligible"] == "ineligible"
    assert a["score"] > c["score"] and a["review_required"] is True
    for crit in a["criteria"]:
        for ev in crit["evidence"]:
            if ev.get("start") is not None:
                assert ELIGIBLE[ev["start"] : ev["end"]] == ev["text"]
    assert d["error"]["type"] == "validation_error"
    assert e["error"]["field"].startswith("trial.criteria")


def test_rest_gives_the_same_results() -> None:
    client = TestClient(create_app(Settings(auth="none")))
    response = client.post("/v1/tasks/screen", json=_lines()[:3])
    assert response.status_code == 200
    assert response.json() == run("screen", _lines()[:3])


@pytest.fixture
def trial_file(tmp_path: Path) -> Path:
    path = tmp_path / "trial.yaml"
    path.write_text(yaml.safe_dump(TRIAL, allow_unicode=True), encoding="utf-8")
    return path


def test_cli_compile_save_edit_and_screen(tmp_path: Path, trial_file: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["trial", "compile", str(trial_file), "--no-llm"])
    assert shown.exit_code == 0, shown.output
    assert "HbA1c-NGSP" in shown.stdout
    saved = runner.invoke(app, ["trial", "compile", str(trial_file), "--save", "--no-llm"])
    assert saved.exit_code == 0, saved.output
    compiled_file = tmp_path / "trial.compiled.yaml"
    data = yaml.safe_load(compiled_file.read_text(encoding="utf-8"))
    # the coordinator edits the threshold; the edited form is what screening uses
    data["criteria"][2]["compiled"]["checks"][0]["value"] = 8.5
    compiled_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    infile, outfile = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    infile.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in LINES[:4]), encoding="utf-8")
    html, csv_path = tmp_path / "r.html", tmp_path / "r.csv"
    result = runner.invoke(
        app,
        [
            "screen",
            "--trial",
            str(compiled_file),
            "-i",
            str(infile),
            "-o",
            str(outfile),
            "--no-llm",
            "--html",
            str(html),
            "--csv",
            str(csv_path),
        ],
    )
    assert result.exit_code == 1  # line "d" failed; the others were written
    out = [json.loads(x) for x in outfile.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c", "d"]
    a = out[0]
    assert {c["id"]: c["status"] for c in a["criteria"]}["I3"] == "not_met"  # 8.1 < edited 8.5
    page = html.read_text(encoding="utf-8")
    assert "T-DM" in page and "<mark>" in page and "候補リストの下書き" in page
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8").lstrip("\ufeff"))))
    assert rows[0][:3] == ["rank", "patient_id", "eligible"] and len(rows) == 4  # header + 3 patients
    assert [r[2] for r in rows[1:]] == sorted(
        (r[2] for r in rows[1:]), key=["eligible", "unknown", "ineligible"].index
    )


def test_cli_screen_cohort_and_review_decisions(tmp_path: Path, trial_file: Path) -> None:
    runner = CliRunner()
    records = tmp_path / "records.jsonl"
    patients = [
        {
            "id": "P1",
            "sex": "male",
            "birth_date": "1960-01-01",
            "documents": [{"id": "P1-d", "datetime": "2025-11-05T10:00:00+09:00", "text": ELIGIBLE}],
        },
        {
            "id": "P2",
            "sex": "male",
            "birth_date": "1980-01-01",
            "documents": [{"id": "P2-d", "datetime": "2025-11-05T10:00:00+09:00", "text": NO_DIABETES}],
        },
    ]
    records.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in patients), encoding="utf-8")
    imported = runner.invoke(app, ["import", str(records)])
    assert imported.exit_code == 0, imported.output
    outfile = tmp_path / "cohort.jsonl"
    screened = runner.invoke(
        app, ["screen", "--trial", str(trial_file), "--cohort", "-o", str(outfile), "--no-llm"]
    )
    assert screened.exit_code == 0, screened.output
    results = {o["id"]: o for o in map(json.loads, outfile.read_text(encoding="utf-8").splitlines())}
    assert results["P1"]["eligible"] == "eligible" and results["P2"]["eligible"] == "ineligible"
    evidence = [e for c in results["P1"]["criteria"] for e in c["evidence"]]
    assert any(e.get("document_id") == "P1-d" for e in evidence)

    decided = runner.invoke(
        app, ["trial", "decide", "T-DM", "P1", "accept", "--by", "治験 花子", "--comment", "OK"]
    )
    assert decided.exit_code == 0, decided.output
    bad = runner.invoke(app, ["trial", "decide", "T-DM", "P1", "maybe", "--by", "x"])
    assert bad.exit_code == 2
    runner.invoke(app, ["trial", "decide", "T-DM", "P1", "reject", "--by", "治験 太郎"])
    current = [json.loads(x) for x in runner.invoke(app, ["trial", "decisions", "T-DM"]).stdout.splitlines()]
    assert [(d["item"], d["decision"], d["actor"]) for d in current] == [("P1", "reject", "治験 太郎")]
    history = runner.invoke(app, ["trial", "decisions", "T-DM", "--history"]).stdout.splitlines()
    assert len(history) == 2 and all(json.loads(x)["at"] for x in history)
    report = tmp_path / "report.html"
    made = runner.invoke(
        app, ["trial", "report", str(outfile), "--trial", str(trial_file), "--html", str(report)]
    )
    assert made.exit_code == 0, made.output
    assert "治験 太郎" in report.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("id: [x", "trial"),
        ("id: T\ncriteria: []\n", "trial.criteria"),
        (
            "id: T\ncriteria:\n  - {id: I1, type: inclusion, text: a}\n"
            "  - {id: I1, type: exclusion, text: b}\n",
            "trial.criteria",
        ),
        ("id: T\ncriteria:\n  - {id: I1, type: maybe, text: a}\n", "trial.criteria.0.type"),
        ("- just a list\n", "trial"),
    ],
)
def test_bad_trial_files_name_the_field(tmp_path: Path, content: str, field: str) -> None:
    from karte.errors import InputError
    from karte.screening.trial_io import load_trial

    path = tmp_path / "t.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_trial(path)
    assert info.value.field == field and str(path) in info.value.message
    result = CliRunner().invoke(app, ["screen", "--trial", str(path), "-i", "-"], input="")
    assert result.exit_code == 2 and "エラー" in result.output


def test_cli_eval_screen(shared_data: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "screen",
            str(shared_data / "cohort"),
            "--mode",
            "record",
            "--no-llm",
            "--limit",
            "20",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    total = report[0]["trials"][-1]
    assert report[0]["mode"] == "record" and total["trial"] == "all" and total["patients"] == 5 * 20
    assert 0.0 <= total["criterion_accuracy"] <= 1.0 and total["llm_calls"] == 0
