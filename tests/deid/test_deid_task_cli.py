"""The ``deid`` task, ``karte deid``, ``karte eval deid`` and ``--deid`` on another task."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from karte.cli.main import app
from karte.deid.devset import devset_path
from karte.tasks import get_task, run

NOTE = "氏名：山田太郎 様\n2024年3月1日 入院。主治医 佐藤 健一 先生。TEL 03-1234-5678"


def test_task_output_contract() -> None:
    (out,) = run("deid", [{"id": "n1", "text": NOTE}])
    assert out["text"] == "氏名：＜氏名＞ 様\n＜日付＞ 入院。主治医 ＜人名＞ 先生。TEL ＜電話番号＞"
    types = [s["type"] for s in out["spans"]]
    assert types == ["PATIENT_NAME", "DATE", "PERSON_NAME", "PHONE"]
    for s in out["spans"]:
        assert NOTE[s["start"] : s["end"]] == s["text"]
        assert {"recognizer", "pattern", "context", "score"} <= set(s["explanation"])


def test_task_errors_name_the_record_and_do_not_block_others() -> None:
    outs = run(
        "deid",
        [
            {"id": 1, "text": NOTE, "operator": "pseudonymize"},
            {"id": 2, "text": NOTE},
            {"id": 3, "operator": "x", "text": "a"},
        ],
    )
    assert outs[0]["error"]["type"] == "deid_secret_missing" and outs[0]["error"]["field"] == "operator"
    assert "＜氏名＞" in outs[1]["text"]
    assert outs[2]["error"]["field"] == "operator"


def test_task_has_demo_inputs() -> None:
    assert get_task("deid").demo_inputs is not None


def test_cli_deid_pseudonymize(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(json.dumps({"id": i, "text": NOTE, "patient_id": "P1"}, ensure_ascii=False) for i in (1, 2))
        + "\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    refused = runner.invoke(app, ["deid", "--operator", "pseudonymize", "-i", str(src), "-q"])
    assert refused.exit_code == 2 and "KARTE_DEID_SECRET" in refused.output
    monkeypatch.setenv("KARTE_DEID_SECRET", "cli-test-secret-0123456789")
    from karte.config import reset_settings_cache

    reset_settings_cache()
    result = runner.invoke(app, ["deid", "--operator", "pseudonymize", "-i", str(src), "-q"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert lines[0]["text"] == lines[1]["text"]  # same patient → same pseudonyms and date shift
    assert "山田" not in lines[0]["text"] and "2024年3月1日" not in lines[0]["text"]


def test_cli_eval_deid_prints_per_type_figures() -> None:
    result = CliRunner().invoke(app, ["eval", "deid", str(devset_path()), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["documents"] >= 40
    assert {"NAME", "DATE", "PHONE", "ID", "ADDRESS"} <= set(data["typed"])
    assert 0.0 <= data["coverage"]["precision"] <= 1.0


def test_deid_option_on_another_task(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": 1, "text": "【現病歴】" + NOTE}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["sections", "--deid", "-i", str(src), "-q"])
    assert result.exit_code == 0, result.output
    assert "山田" not in result.stdout and "03-1234-5678" not in result.stdout
    out = json.loads(result.stdout)
    assert out["deid"]["operator"] == "mask"
    assert "＜氏名＞" in out["sections"][0]["text"]


def test_stored_document_uses_the_patients_record() -> None:
    """With a document_id, the patient's name, reading and MRN from the store are found without context."""
    from karte.records.models import PatientRecord
    from karte.records.store import open_store

    record = PatientRecord.model_validate(
        {
            "id": "X1",
            "name": "蓮見　凪沙",
            "name_kana": "ハスミ　ナギサ",
            "identifiers": {"MRN": "MRN-77123"},
            "documents": [
                {"id": "X1-doc", "text": "蓮見凪沙、外来。ハスミ ナギサ。MRN-77123 を確認。蓮見 より電話。"}
            ],
        }
    )
    with open_store() as store:
        store.add_records([record])
    (out,) = run("deid", [{"id": 1, "document_id": "X1-doc"}])
    assert out["patient_id"] == "X1"
    found = {(s["type"], s["text"]) for s in out["spans"]}
    assert {("PATIENT_NAME", "蓮見凪沙"), ("PATIENT_NAME", "ハスミ ナギサ"), ("ID", "MRN-77123")} <= found
    assert "蓮見" not in out["text"] and "77123" not in out["text"]
