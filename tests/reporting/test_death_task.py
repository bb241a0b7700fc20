"""The ``death-code`` task through the registry: the JSONL contract, errors naming the field."""

from __future__ import annotations

from karte.tasks import run


def test_death_code_task_contract() -> None:
    out = run(
        "death-code",
        [
            {
                "id": 1,
                "causes": {"ア": "誤嚥性肺炎", "イ": "脳梗塞後遺症"},
                "intervals": {"ア": "10日", "イ": "3年"},
                "manner": 1,
            },
            {"id": 2, "causes": {"Ia": "溺死"}, "manner": "天災"},
            {"id": 3},
            {"id": 4, "causes": {"Ie": "肺炎"}},
        ],
    )
    assert [o["id"] for o in out] == [1, 2, 3, 4]
    first = out[0]
    assert first["underlying"]["icd10"] == "I69.3" and first["underlying"]["rule"] == "GP"
    assert first["underlying"]["icd11"]
    assert all(line["evidence"]["spans"] for line in first["lines"] if line.get("icd10"))
    assert "external_cause" not in first
    assert out[1]["error"]["field"] == "manner"
    assert out[2]["warnings"] and "icd10" not in out[2]["underlying"]
    assert out[3]["error"]["type"] == "validation_error" and "Ie" in out[3]["error"]["message"]
