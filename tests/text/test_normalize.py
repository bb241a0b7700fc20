"""Normalisation: expected outputs, and the offset map back to the original text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from karte.text.normalize import normalize

CASES = [
    ("ＣＲＰ　３．２ｍｇ／ｄＬ", "CRP 3.2mg/dL"),
    ("ｸﾚｱﾁﾆﾝ", "クレアチニン"),
    ("ﾊﾟﾗｾﾀﾓｰﾙ", "パラセタモール"),
    ("血糖 120mg/dl", "血糖 120mg/dL"),
    ("血圧 142/88 mmhg", "血圧 142/88 mmHg"),
    ("2024年3月1日〜3日", "2024年3月1日~3日"),
    ("Ｓ－１療法", "S-1療法"),
    ("HbA1c 7.0％", "HbA1c 7.0%"),
    ("㈱テスト", "(株)テスト"),
    ("①高血圧", "1高血圧"),
    ("体温36.8℃", "体温36.8℃"),
    ("体温36.8°C", "体温36.8℃"),
    ("WBC 12.3×10^3/ul", "WBC 12.3×10^3/μL"),
    ("コーヒー", "コーヒー"),  # the prolonged sound mark is not a dash
    ("胸痛―なし", "胸痛-なし"),
    ("か\u3099", "が"),
]


@pytest.mark.parametrize(("original", "expected"), CASES)
def test_normalized_text(original: str, expected: str) -> None:
    assert normalize(original).text == expected


def test_offsets_map_back_to_original() -> None:
    original = "患者はｸﾚｱﾁﾆﾝ高値。ﾊﾟﾗｾﾀﾓｰﾙ内服、㈱病院"
    nt = normalize(original)
    for word in ("クレアチニン", "パラセタモール", "(株)病院"):
        a = nt.text.index(word)
        s, e = nt.to_original(a, a + len(word))
        assert normalize(original[s:e]).text == word
    # A span inside a changed unit widens to the whole unit of the original.
    a = nt.text.index("株")
    s, e = nt.to_original(a, a + 1)
    assert original[s:e] == "㈱"


def test_unchanged_text_has_empty_map() -> None:
    nt = normalize("高血圧症にて通院中。")
    assert nt.text == nt.original
    assert list(nt.changes()) == []


def test_long_text_not_truncated() -> None:
    original = "ＣＲＰ　３．２ｍｇ／ｄＬ。ﾊﾟﾗｾﾀﾓｰﾙ\n" * 50_000
    nt = normalize(original)
    assert nt.text.count("CRP 3.2mg/dL。パラセタモール\n") == 50_000
    assert nt.to_original_end(len(nt.text)) == len(original)


# Japanese-like text: kana, kanji, half-width kana with voiced marks, full-width digits, punctuation,
# brackets, compatibility characters. Latin letters are left out on purpose: unit spellings such as
# "mg/dl" are recognised only between non-letters, so a substring may see a different context.
ALPHABET = list(
    "あいうかきくがぎぱーアイウカキクガパ高血圧症胸痛発熱認め疑い既往歴"
    "ｱｲｳｶｷｸﾊﾋﾌﾞﾟｰ０１２３４５0123456789。、．，！？「」（）【】＜＞■：:/ \u3000\n"
    "㈱①②㎎㎗℃〜～―−‐・･\u3099"
)
japanese_like = st.text(alphabet=st.sampled_from(ALPHABET), max_size=200)


@settings(max_examples=300, deadline=None)
@given(japanese_like, st.data())
def test_property_spans_map_to_original(original: str, data: st.DataObject) -> None:
    nt = normalize(original)
    n = len(nt.text)
    bounds = [j for j in range(n + 1) if nt.is_boundary(j)]
    a = data.draw(st.sampled_from(bounds))
    b = data.draw(st.sampled_from([j for j in bounds if j >= a]))
    s, e = nt.to_original(a, b)
    assert 0 <= s <= e <= len(original)
    assert normalize(original[s:e]).text == nt.text[a:b]
