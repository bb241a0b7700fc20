"""Structured matching on notes: negation, suspicion, family and past history, treatments, labs, age.

Each row is a note, a criterion as a protocol would write it, and the status a coordinator expects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

ScreenOne = Callable[..., Any]

CASES: list[tuple[str, str, str, str]] = [
    # diagnoses: stated, denied, suspected, family, resolved, listed under past history
    ("2019年より2型糖尿病にて通院中。", "2型糖尿病と診断されている患者", "met", "stated"),
    ("心不全の既往なし。", "心不全を合併している患者", "not_met", "denied"),
    ("胸部CTで肺癌を疑う。", "肺癌と診断されている患者", "unknown", "suspected"),
    ("【家族歴】母：2型糖尿病", "2型糖尿病と診断されている患者", "not_met", "family history"),
    ("【既往歴】\n肺炎（2023年、治癒）", "肺炎を合併している患者", "not_met", "resolved"),
    ("【既往歴】\n肺炎（2023年、治癒）", "肺炎の既往がある", "met", "history meets ever"),
    (
        "【既往歴】\n2型糖尿病（2015年）",
        "2型糖尿病と診断されている患者",
        "met",
        "chronic disease in past history",
    ),
    ("糖尿病にて内服加療中。", "2型糖尿病と診断されている患者", "unknown", "broader name only"),
    ("高血圧症で通院中。", "2型糖尿病と診断されている患者", "not_met", "absent"),
    ("気管支喘息の既往なし。", "気管支喘息の合併または既往", "not_met", "denied history"),
    ("2015年 胃癌術後。", "悪性腫瘍を合併している患者", "unknown", "after surgery: history only"),
    (
        "肺腺癌に対し化学療法中。大腸癌の既往なし。",
        "肺癌以外の悪性腫瘍を合併している患者",
        "not_met",
        "except",
    ),
    ("肺腺癌、S状結腸癌にて治療中。", "肺癌以外の悪性腫瘍を合併している患者", "met", "except: other cancer"),
    # treatments: current, past (prior treatment), denied, planned
    ("【内服薬】\n・メトホルミン塩酸塩錠500mg 2錠", "ビグアナイド薬を服用中", "met", "listed drug"),
    ("インスリンは使用していない。", "インスリン治療中の患者", "not_met", "denied treatment"),
    ("インスリンは使用していない。", "インスリンの使用歴がない", "met", "denied, negated criterion"),
    ("インスリンは2020年に中止した。", "インスリンの使用歴がある", "met", "past treatment meets prior"),
    ("インスリンは2020年に中止した。", "インスリン治療中の患者", "not_met", "stopped is not current"),
    ("ゲフィチニブによる治療歴あり。", "EGFR-TKIによる前治療歴がある", "met", "prior treatment by class"),
    ("インスリン導入を検討。", "インスリン治療中の患者", "unknown", "only planned"),
    ("【内服薬】\n・エドキサバン 60mg 1日1回", "抗凝固薬を服用中の患者", "met", "DOAC is an anticoagulant"),
    ("【内服薬】\n・アスピリン 100mg", "抗凝固薬を服用中の患者", "not_met", "antiplatelet is not"),
    # labs: thresholds, units, windows, missing values
    ("2025年11月2日：HbA1c 8.1%", "過去6か月以内のHbA1c 7.0%以上", "met", "in window"),
    ("2024年11月2日：HbA1c 8.1%", "過去6か月以内のHbA1c 7.0%以上", "unknown", "outside window"),
    ("2025年11月2日：HbA1c 6.4%", "過去6か月以内のHbA1c 7.0%以上", "not_met", "below"),
    (
        "2025年9月1日：HbA1c 8.2% 2025年11月2日：HbA1c 6.8%",
        "過去6か月以内のHbA1c 7.0%以上",
        "not_met",
        "latest",
    ),
    ("2025年11月2日：HbA1c 64 mmol/mol", "HbA1c 7.0%以上", "met", "IFCC unit converted"),
    ("2025年11月2日：ｸﾚｱﾁﾆﾝ 1.8 mg/dL", "血清クレアチニン 1.5 mg/dL以上", "met", "half-width kana name"),
    ("2025年11月2日：BNP 85 pg/mL", "BNP 100 pg/mL以上", "not_met", "BNP below"),
    ("血液検査の記載なし。", "BNP 100 pg/mL以上", "unknown", "no result is not a value"),
    ("2025年11月2日：Plt 25.4 ×10^4/μL", "血小板数 10×10^4/μL以上", "met", "platelets"),
    # demographics stated in the note
    ("58歳男性。", "20歳以上の患者", "met", "stated age"),
    ("58歳男性。", "女性", "not_met", "stated sex"),
]


@pytest.mark.parametrize(("note", "criterion", "expected", "why"), CASES, ids=[c[3] for c in CASES])
def test_note_matching(screen_one: ScreenOne, note: str, criterion: str, expected: str, why: str) -> None:
    result = screen_one(note, criterion, note_date=dt.date(2025, 12, 1))
    assert result.status == expected, f"{why}: {result.rationale}"
    for e in result.evidence:  # every span points into the note as given
        if e.start is not None and e.end is not None:
            assert note[e.start : e.end] == e.text
    if expected != "unknown" and why not in ("absent", "stated age", "stated sex", "antiplatelet is not"):
        assert result.evidence, "a decided status from a note cites the note"


def test_age_at_the_boundary_is_unknown(screen_one: ScreenOne) -> None:
    # 39 on 2022-02-26: 42 or 43 on 2025-12-31
    assert screen_one("39歳女性。", "43歳以上", note_date=dt.date(2022, 2, 26)).status == "unknown"
    assert screen_one("39歳女性。", "40歳以上", note_date=dt.date(2022, 2, 26)).status == "met"


def test_future_notes_do_not_count(screen_one: ScreenOne) -> None:
    assert (
        screen_one("心不全で入院。", "心不全を合併している患者", note_date=dt.date(2026, 3, 1)).status
        == "not_met"
    )
