"""The ``extract`` task: output contract, original offsets, evidence, bad input."""

from __future__ import annotations

from typing import Any

import pytest

from karte.tasks import run

NOTES = [
    "【現病歴】３日前より発熱、咳嗽あり。胸部ＣＴで右下葉に肺炎を疑う。胸水は認めない。",
    "ｶﾙﾃ：頭痛あり。㈱病院から紹介。ＣＲＰ　１２．３ｍｇ／ｄｌ、ＷＢＣ　１２０００。肺炎の疑い。",
    "既往歴：高血圧\n家族歴：母が乳癌\n現病歴：ＰＳＬ　３０ｍｇ内服中止後に皮疹が出現した。",
    "右肺上葉にconsolidationを認めます。縦隔リンパ節腫大はありません。肺癌の可能性があります。",
]


@pytest.mark.parametrize("text", NOTES)
def test_offsets_point_into_the_original_text(text: str) -> None:
    [out] = run("extract", [{"id": 1, "text": text}])
    assert "error" not in out, out
    assert out["entities"], "no entity found"
    for e in out["entities"]:
        assert text[e["start"] : e["end"]] == e["text"]
        assert 0 <= e["score"] <= 1
        detection = e["evidence"][0]
        assert detection["source"] in ("model", "dictionary")
        assert detection["spans"][0]["start"] == e["start"] and detection["spans"][0]["text"] == e["text"]
        for ev in e["evidence"]:
            for span in ev["spans"]:
                assert text[span["start"] : span["end"]] == span["text"]


def test_attributes_by_type() -> None:
    [out] = run("extract", [{"id": 1, "text": NOTES[0] + "ＰＳＬ内服を中止した。"}])
    for e in out["entities"]:
        if e["type"] == "disease":
            assert e["certainty"] in ("positive", "negative", "suspicious", "general")
            assert e.get("state") is None
        elif e["type"] in ("test", "medication", "remedy"):
            assert e["state"] in ("executed", "negated", "scheduled", "other")
            assert e.get("certainty") is None
        else:
            assert e.get("certainty") is None and e.get("state") is None


def test_certainty_evidence_names_the_trigger() -> None:
    text = "胸水は認めない。"
    [out] = run("extract", [{"id": "n", "text": text}])
    [effusion] = [e for e in out["entities"] if e["text"] == "胸水"]
    assert effusion["certainty"] == "negative"
    trigger_texts = [s["text"] for s in effusion["evidence"][1]["spans"]]
    assert "認めない" in trigger_texts


def test_section_is_reported() -> None:
    [out] = run("extract", [{"id": 1, "text": NOTES[2]}])
    by_text = {e["text"]: e for e in out["entities"]}
    assert by_text["高血圧"]["section"] == "past_history" and by_text["高血圧"]["historical"] is True
    assert by_text["乳癌"]["section"] == "family_history" and by_text["乳癌"]["family"] is True


def test_bad_records_do_not_stop_good_ones() -> None:
    records: list[dict[str, Any]] = [
        {"id": "a", "text": NOTES[0]},
        {"id": "b", "text": ""},
        {"id": "c", "text": 123},
        {"id": "d", "text": "発熱", "document_id": "x"},
        {"id": "e", "document_id": "no-such-document"},
        {"id": "f", "text": NOTES[1], "unknown": 1},
        {"id": "g", "text": NOTES[3]},
    ]
    out = run("extract", records)
    assert [o["id"] for o in out] == list("abcdefg")
    assert "entities" in out[0] and "entities" in out[6]
    for o in out[1:6]:
        assert o["error"]["message"]
    assert out[2]["error"]["field"] == "text"
    assert out[4]["error"]["type"] == "not_found" and out[4]["error"]["field"] == "document_id"


def test_text_without_findings_gives_no_entities() -> None:
    [out] = run("extract", [{"id": 1, "text": "よろしくお願いいたします。"}])
    assert out["entities"] == []
