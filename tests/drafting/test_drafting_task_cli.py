"""The ``draft`` task (JSONL contract, stored patients, errors) and the ``karte draft`` and
``karte eval draft`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from karte.cli.main import app
from karte.demo.run import cohort_path
from karte.tasks import run

NOTES = [
    {
        "id": "n1",
        "type": "入院時記録",
        "date": "2025-06-01T10:00:00+09:00",
        "text": "【主訴】発熱\n【現病歴】3日前から発熱と咳嗽あり。肺炎の診断で入院となった。\n"
        "【内服薬】\n・アムロジピン錠5mg 1回1錠 1日1回 朝食後\n【身体所見】体温 38.5℃、SpO2 93%\n"
        "【評価・計画】\n#1 肺炎\n#2 高血圧症\nセフトリアキソン点滴を開始する。",
    },
    {
        "id": "n2",
        "type": "経過記録",
        "date": "2025-06-05",
        "text": "S) 咳は軽くなった。\nO) 体温 36.8℃\nA) #1 肺炎\n改善傾向。\nP) 6月7日に退院予定。",
    },
]


def test_inline_documents_give_cited_sections() -> None:
    (out,) = run(
        "draft",
        [{"id": "r1", "document_type": "discharge_summary", "patient": {"sex": "male"}, "documents": NOTES}],
    )
    assert "error" not in out, out
    assert out["status"] == "preliminary" and out["review_required"] is True
    assert out["mode"] == "extractive"  # no LLM in the test environment
    texts = {s["code"]: s["text"] for s in out["sections"]}
    assert texts["diagnoses"].startswith("主病名: 肺炎")
    assert "入院日: 2025年6月1日" in texts["period"]
    assert "6月7日に退院予定。" in texts["discharge_plan"]
    sources = {s["id"]: s["text"] for s in out["sources"]}
    for section in out["sections"]:
        for c in section["citations"]:
            assert set(c) == {"document", "start", "end"}
            assert c["end"] <= len(sources[c["document"]])
    assert out["fhir"]["resourceType"] == "Bundle" and out["fhir"]["type"] == "document"


def test_referral_purpose_from_the_request_is_cited() -> None:
    (out,) = run(
        "draft",
        [
            {
                "id": 1,
                "document_type": "referral_letter",
                "documents": NOTES,
                "to": {"institution": "さくら内科クリニック", "purpose": "退院後の継続加療のお願い"},
            }
        ],
    )
    purpose = next(s for s in out["sections"] if s["code"] == "referral_purpose")
    assert purpose["text"] == "退院後の継続加療のお願い"
    (cite,) = purpose["citations"]
    request = next(s for s in out["sources"] if s["id"] == cite["document"])
    assert request["kind"] == "request"
    assert request["text"][cite["start"] : cite["end"]] == "退院後の継続加療のお願い"
    titles = [s["title"] for s in out["fhir"]["entry"][0]["resource"]["section"]]
    assert titles[0] == "紹介先情報"


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"id": 1, "document_type": "summary", "documents": NOTES}, "document_type"),
        ({"id": 1, "document_type": "discharge_summary"}, None),
        ({"id": 1, "document_type": "discharge_summary", "documents": NOTES, "patient_id": "D001"}, None),
        ({"id": 1, "document_type": "discharge_summary", "documents": [NOTES[0], NOTES[0]]}, None),
        (
            {"id": 1, "document_type": "discharge_summary", "documents": NOTES, "sections": ["bogus"]},
            "sections",
        ),
        ({"id": 1, "document_type": "discharge_summary", "patient_id": "nobody"}, "patient_id"),
        ({"id": 1, "document_type": "discharge_summary", "documents": NOTES, "mode": "llm"}, None),
    ],
)
def test_bad_records_get_clear_errors_and_do_not_block_others(
    record: dict[str, object], field: str | None
) -> None:
    good = {"id": 2, "document_type": "patient_advice", "documents": NOTES}
    bad, ok = run("draft", [record, good])
    assert "error" in bad and bad["id"] == 1
    if field is not None:
        assert bad["error"]["field"] == field
    assert "(" in bad["error"]["message"]  # Japanese, then English in brackets
    assert "error" not in ok


@pytest.fixture
def stored_cohort(karte_home: Path) -> Path:
    result = CliRunner().invoke(app, ["import", str(cohort_path())])
    assert result.exit_code == 0, result.output
    return karte_home


def test_cli_draft_formats(stored_cohort: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    md = runner.invoke(app, ["draft", "-p", "D011", "--exclude-type", "退院時サマリー", "-f", "md", "-q"])
    assert md.exit_code == 0, md.output
    assert md.output.startswith("# 退院時サマリー（下書き・要確認）")
    assert "## 退院時処方" in md.output and "[^1]:" in md.output

    html_dir = tmp_path / "html"
    html = runner.invoke(
        app,
        [
            "draft",
            "-p",
            "D011",
            "-p",
            "D012",
            "-t",
            "referral_letter",
            "-f",
            "html",
            "-o",
            str(html_dir),
            "-q",
        ],
    )
    assert html.exit_code == 0, html.output
    pages = sorted(p.name for p in html_dir.iterdir())
    assert pages == ["D011-referral_letter.html", "D012-referral_letter.html"]
    assert "<mark" in (html_dir / pages[0]).read_text(encoding="utf-8")

    fhir = runner.invoke(app, ["draft", "-p", "D011", "-t", "patient_advice", "-f", "fhir", "-q"])
    assert fhir.exit_code == 0, fhir.output
    bundle = json.loads(fhir.output)
    assert bundle["entry"][0]["resource"]["resourceType"] == "Composition"

    missing = runner.invoke(app, ["draft", "-p", "NOPE", "-q"])
    assert missing.exit_code == 1


def test_cli_draft_reads_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "a", "documents": NOTES}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["draft", "-i", str(path), "-t", "patient_advice", "-q"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.output)
    assert line["document_type"] == "patient_advice" and line["sections"]


def test_cli_eval_draft(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(app, ["eval", "draft", "--limit", "3", "--json-out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["patients"] == 3
    assert set(report["types"]) == {"discharge_summary", "referral_letter", "patient_advice"}
    assert report["guard_rate"] >= 0.95
    assert "guard" in result.output
