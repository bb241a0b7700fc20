"""Sectionizer: heading styles, synonyms, offsets into the original text."""

from __future__ import annotations

import itertools

import pytest

from karte.text.sections import canonical_section, sectionize

NOTE = """患者：70歳男性
【主病名】市中肺炎
【副病名】２型糖尿病、高血圧症
■現病歴
３日前より発熱。
＜既往歴＞ 2015年 胃癌術後
主訴：発熱、咳嗽
血圧: 142/88 mmHg
家族歴
父：脳梗塞
【謎の見出し】ok
"""


def test_sections_of_a_note() -> None:
    secs = sectionize(NOTE)
    assert [s.name for s in secs] == [
        "preamble",
        "diagnosis",
        "secondary_diagnosis",
        "present_illness",
        "past_history",
        "chief_complaint",
        "family_history",
        "other",
    ]
    bodies = {s.name: NOTE[s.body_start : s.body_end] for s in secs}
    assert bodies["diagnosis"] == "市中肺炎"
    assert bodies["present_illness"] == "３日前より発熱。"
    assert bodies["past_history"] == "2015年 胃癌術後"
    # "血圧: …" is not a heading: it stays in the chief complaint section.
    assert bodies["chief_complaint"] == "発熱、咳嗽\n血圧: 142/88 mmHg"
    assert bodies["family_history"] == "父：脳梗塞"
    other = secs[-1]
    assert other.title == "謎の見出し" and NOTE[other.body_start : other.body_end] == "ok"


def test_sections_are_ordered_and_do_not_overlap() -> None:
    secs = sectionize(NOTE)
    for a, b in itertools.pairwise(secs):
        assert a.start <= a.body_start <= a.body_end <= a.end <= b.start


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("【主病名】肺炎", "diagnosis"),
        ("【 現病歴 】x", "present_illness"),
        ("■主訴：発熱", "chief_complaint"),
        ("◆内服薬\nx", "medications"),
        ("＜アレルギー＞なし", "allergies"),
        ("《家族歴》x", "family_history"),
        ("[既往歴] x", "past_history"),
        ("主訴：発熱", "chief_complaint"),
        ("既往歴:なし", "past_history"),
        ("S) 咳嗽あり", "subjective"),
        ("(O) 体温 36.8℃", "objective"),
        ("A: 肺炎", "assessment"),
        ("P> 抗菌薬継続", "plan"),
        ("A/P: 改善傾向", "assessment_plan"),
        ("【退院時処方】x", "discharge_medications"),
        ("【入院後経過】x", "hospital_course"),
        ("【検査所見】x", "lab_results"),
        ("【評価・計画】x", "assessment_plan"),
        ("入院時現症\nx", "physical_exam"),
    ],
)
def test_heading_styles(line: str, name: str) -> None:
    secs = [s for s in sectionize(line) if s.name != "preamble"]
    assert secs and secs[0].name == name


@pytest.mark.parametrize("line", ["血圧: 142/88", "体温：36.8℃", "方針はこれから決める", "Sは良好"])
def test_not_headings(line: str) -> None:
    assert [s.name for s in sectionize(line)] == ["preamble"]


def test_offsets_with_changed_units_before_headings() -> None:
    text = "ｸﾞﾙｺｰｽ㈱ 高値\n【主訴】ﾊﾟﾆｯｸ\n【現病歴】なし"
    secs = sectionize(text)
    cc = next(s for s in secs if s.name == "chief_complaint")
    assert text[cc.start : cc.body_start] == "【主訴】"
    assert text[cc.body_start : cc.body_end] == "ﾊﾟﾆｯｸ"


def test_canonical_section_prefix() -> None:
    assert canonical_section("既往歴・手術歴") == "past_history"
    assert canonical_section("現病歴（詳細）") == "present_illness"
    assert canonical_section("血圧") is None
