"""Tasks code, lab-map and code-note through the JSONL contract, and the CLI commands."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from karte.cli.main import app
from karte.tasks import run

DEVSETS = Path(__file__).resolve().parents[2] / "karte" / "terminology" / "devsets"


def test_code_task_outputs_and_errors() -> None:
    out = run(
        "code",
        [
            {"id": 1, "text": "右季肋部痛", "system": "icd11"},
            {"id": 2, "text": "", "system": "icd10"},
            {"id": 3, "text": "高血圧", "system": "snomed"},
            {"id": 4, "text": "座位保持に中等度の介助", "system": "icf"},
            {"id": 5, "text": "DM"},
        ],
    )
    assert [o["id"] for o in out] == [1, 2, 3, 4, 5]
    first = out[0]["codes"][0]
    assert first["code"] == "MD81.10&XK9K" and first["system"] == "icd11"
    assert {s["text"] for s in first["evidence"]["spans"]} >= {"右"}
    assert out[1]["error"]["field"] == "text"
    assert out[2]["error"]["field"] == "system"
    assert out[3]["codes"][0]["code"] == "d4153.2"
    assert out[4]["codes"][0]["code"].startswith("E14")  # system defaults to icd10
    scores = [c["score"] for c in out[0]["codes"]]
    assert scores == sorted(scores, reverse=True)


def test_lab_map_task() -> None:
    out = run("lab-map", [{"id": "a", "name": "ｸﾚｱﾁﾆﾝ", "unit": "mg/dL"}, {"id": "b", "name": "zzzz qqqq"}])
    assert out[0]["jlac10"] == "3C015000002327101" and out[0]["analyte"] == "3C015"
    assert out[0]["evidence"][0]["spans"][0]["text"] == "ｸﾚｱﾁﾆﾝ"
    assert out[1].get("jlac10") is None and out[1]["score"] == 0.0


def test_code_note_task() -> None:
    note = "【現病歴】2型糖尿病と高血圧症で通院中。【検査所見】HbA1c 7.2%、ｸﾚｱﾁﾆﾝ 1.1"
    (out,) = run("code-note", [{"id": 1, "text": note}])
    assert out["extractor"] in ("extract", "fallback")
    codes = {c["code"][:3] for m in out["mentions"] for c in m["codes"] if c["system"] == "icd10"}
    assert {"E11", "I10"} <= codes
    for m in out["mentions"]:
        assert note[m["start"] : m["end"]] == m["text"]
        for c in m["codes"]:
            for s in c["evidence"]["spans"]:
                assert note[s["start"] : s["end"]] == s["text"]


def test_cli_codes_and_eval(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["codes", "search", "icd10", "2型DM", "-k", "3", "--json"])
    assert res.exit_code == 0, res.output
    assert '"E11"' in res.output
    res = runner.invoke(app, ["codes", "show", "icd11", "6A70&XK9K"])
    assert res.exit_code == 1 and "laterality" in res.output
    res = runner.invoke(app, ["codes", "status"])
    assert res.exit_code == 0 and "icd11: embedded" in res.output
    dev = tmp_path / "dev.jsonl"
    dev.write_text(
        '{"id": 1, "text": "AMI", "system": "icd10", "gold": ["I21.9"]}\n'
        '{"id": 2, "text": "右季肋部痛", "system": "icd11", "gold": ["MD81.10&XK9K"]}\n',
        encoding="utf-8",
    )
    res = runner.invoke(app, ["eval", "code", str(dev), "--json"])
    assert res.exit_code == 0, res.output
    assert '"top1": 1.0' in res.output
    res = runner.invoke(app, ["eval", "code", str(tmp_path / "missing.jsonl")])
    assert res.exit_code != 0
