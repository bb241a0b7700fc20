"""Reading dates, doses, values and certainty: the comparisons the faithfulness guard relies on."""

from __future__ import annotations

import pytest

from karte.drafting.lexicon import Lexicon
from karte.drafting.mentions import find_mentions
from karte.drafting.values import date_keys_match, find_amounts, find_dates
from karte.text import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025年6月1日に入院", [(2025, 6, 1)]),
        ("２０２５年６月１日", [(2025, 6, 1)]),
        ("6月15日に退院", [(None, 6, 15)]),
        ("採血日時：2025/06/05 06:30", [(2025, 6, 5)]),
        ("2024-11-24 10:00｜入院時記録", [(2024, 11, 24)]),
        ("入院期間：2025年5月15日〜2025年5月27日", [(2025, 5, 15), (2025, 5, 27)]),
        ("MMT 4/5、血圧 120/80", []),
        ("13月40日", []),
    ],
)
def test_dates(text: str, expected: list[tuple[int | None, int, int]]) -> None:
    assert [f.key for f in find_dates(normalize(text).text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "アスピリン腸溶錠100mg 1回1錠 1日1回",
            [("dose", ("100", "mg")), ("dose", ("1", "錠")), ("frequency", ("1日1回",))],
        ),
        ("ＬＤＬ　９７　ｍｇ／ｄＬ", [("value", ("97", "mg/dl"))]),
        ("体温 37.0℃、SpO2 97%", [("value", ("37", "℃")), ("value", ("97", "%"))]),
        ("白血球 6.4×10^3/μL", [("value", ("6.4", "×10^3/μl"))]),
        ("2錠 分2 朝夕食後", [("dose", ("2", "錠")), ("frequency", ("分2",))]),
        ("30μg 2週に1回 皮下注", [("dose", ("30", "μg")), ("frequency", ("2週に1回",))]),
    ],
)
def test_amounts(text: str, expected: list[tuple[str, tuple[str, ...]]]) -> None:
    assert [(f.kind, f.key) for f in find_amounts(normalize(text).text)] == expected


def test_date_keys_without_year_match_any_year() -> None:
    assert date_keys_match((None, 6, 1), (2025, 6, 1))
    assert not date_keys_match((2024, 6, 1), (2025, 6, 1))
    assert not date_keys_match((None, 6, 2), (2025, 6, 1))


@pytest.mark.parametrize(
    ("text", "kind", "key", "certainty"),
    [
        ("肺炎の合併を疑った", "disease", ("肺炎",), "suspicious"),
        ("肺炎は否定的", "disease", ("肺炎",), "negative"),
        ("胸痛なし。", "disease", ("胸痛",), "negative"),
        ("脳梗塞の診断で入院", "disease", ("脳梗塞",), "positive"),
        ("クロピドグレル硫酸塩を開始", "drug", ("クロピドグレル",), None),
        ("クエン酸第一鉄ナトリウム錠50mg", "drug", ("クエン酸第一鉄ナトリウム",), None),
        ("GOT 27 U/L", "lab", ("AST", "27"), None),
        ("2025-06-05 06:30｜LDL-C｜97 mg/dL", "lab", ("LDL-コレステロール", "97"), None),
    ],
)
def test_mentions(
    lexicon: Lexicon, text: str, kind: str, key: tuple[str, ...], certainty: str | None
) -> None:
    found = [m for m in find_mentions(text, lexicon) if m.kind == kind]
    assert found, f"no {kind} in {text!r}"
    assert found[0].key == key
    assert found[0].certainty == certainty
    assert text[found[0].start : found[0].end]  # offsets point into the text given
