"""The first tasks: sections and normalize, with evidence spans into the original text."""

from __future__ import annotations

from karte.tasks import all_tasks, run

NOTE = "【主病名】肺炎\n【現病歴】ＣＲＰ　３．２ｍｇ／ｄＬ、ｸﾚｱﾁﾆﾝ 1.2。\n【謎】x"


def test_registry_lists_the_first_tasks() -> None:
    names = [t.name for t in all_tasks()]
    assert {"sections", "normalize"} <= set(names)


def test_sections_task_carries_evidence() -> None:
    [out] = run("sections", [{"id": 1, "text": NOTE}])
    assert [s["name"] for s in out["sections"]] == ["diagnosis", "present_illness", "other"]
    for s in out["sections"]:
        assert NOTE[s["body_start"] : s["body_end"]] == s["text"]
        [span] = s["evidence"]["spans"]
        assert NOTE[span["start"] : span["end"]] == span["text"]
        assert s["evidence"]["source"] == "rule"
        assert 0 < s["score"] <= 1
    assert out["sections"][2]["score"] < out["sections"][0]["score"]


def test_normalize_task_offset_map() -> None:
    [out] = run("normalize", [{"id": "n", "text": NOTE}])
    assert "CRP 3.2mg/dL" in out["text"]
    assert "クレアチニン" in out["text"]
    for ch in out["changes"]:
        assert NOTE[ch["start"] : ch["end"]] == ch["original"]
        assert out["text"][ch["normalized_start"] : ch["normalized_end"]] == ch["normalized"]
    # Rebuild the normalised text from the original and the changes: the map is complete.
    rebuilt, prev = [], 0
    from karte.text.normalize import normalize

    for ch in out["changes"]:
        rebuilt.append(normalize(NOTE[prev : ch["start"]]).text)
        rebuilt.append(ch["normalized"])
        prev = ch["end"]
    rebuilt.append(normalize(NOTE[prev:]).text)
    assert "".join(rebuilt) == out["text"]
