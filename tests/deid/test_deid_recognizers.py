"""Recognizers: text → the PII they must find, the traps they must not, check digits."""

from __future__ import annotations

import pytest

from karte.deid import Detector
from karte.deid.validators import insurer_check_digit_ok, mynumber_check_digit_ok


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


FINDS = [
    ("氏名：山田太郎 様", "PATIENT_NAME", "山田太郎"),
    ("患者名　佐々木　和子（ササキ　カズコ）", "PATIENT_NAME", "佐々木　和子"),
    ("患者名　佐々木　和子（ササキ　カズコ）", "PATIENT_NAME", "ササキ　カズコ"),
    ("主治医：高橋 誠一", "PERSON_NAME", "高橋 誠一"),
    ("担当看護師 城之内穂乃果", "PERSON_NAME", "城之内穂乃果"),
    ("伊集院さん（ケアマネジャー）と調整", "PERSON_NAME", "伊集院"),
    ("鬼頭 琥太郎 様", "PATIENT_NAME", "鬼頭 琥太郎"),
    ("松田 トメ 様", "PATIENT_NAME", "松田 トメ"),
    ("四ノ宮 瑞穂 先生", "PERSON_NAME", "四ノ宮 瑞穂"),
    ("読影：Dr. Ishikawa", "PERSON_NAME", "Ishikawa"),
    ("Taro Yamada was seen", "PERSON_NAME", "Taro Yamada"),
    ("キーパーソン：長女 松田 恵子 様", "PERSON_NAME", "松田 恵子"),
    ("2025年1月7日　村上", "PERSON_NAME", "村上"),
    ("令和元年5月1日", "DATE", "令和元年5月1日"),
    ("平成三十年十二月一日", "DATE", "平成三十年十二月一日"),
    ("R6.3.1 受診", "DATE", "R6.3.1"),
    ("H30年に手術", "DATE", "H30年"),
    ("2024-03-01 入院", "DATE", "2024-03-01"),
    ("２０２４年３月１日", "DATE", "２０２４年３月１日"),
    ("３月１日より内服", "DATE", "３月１日"),
    ("3/15 退院予定", "DATE", "3/15"),
    ("S45/1/2生", "DATE", "S45/1/2"),
    ("95歳女性", "AGE", "95歳"),
    ("〒123-4567", "POSTAL_CODE", "123-4567"),
    ("東京都港区六本木1-2-3 六本木ヒルズ101号室", "ADDRESS", "東京都港区六本木1-2-3 六本木ヒルズ101号室"),
    ("横浜市青葉区美しが丘2丁目14番7号", "ADDRESS", "横浜市青葉区美しが丘2丁目14番7号"),
    ("TEL 03-1234-5678", "PHONE", "03-1234-5678"),
    ("携帯：０９０－１２３４－５６７８", "PHONE", "０９０－１２３４－５６７８"),
    ("FAX (045)981-2232", "PHONE", "(045)981-2232"),
    ("電話 09012345678", "PHONE", "09012345678"),
    ("メール taro.y@example.co.jp", "EMAIL", "taro.y@example.co.jp"),
    ("患者ID：00482913", "ID", "00482913"),
    ("カルテ番号 K-2024-0331", "ID", "K-2024-0331"),
    ("保険者番号 01130012", "INSURANCE_NO", "01130012"),
    ("記号 1234 番号 567", "INSURANCE_NO", "567"),
    ("マイナンバー 1234 5678 9018", "MYNUMBER", "1234 5678 9018"),
    ("紹介元：山田内科クリニック", "FACILITY", "山田内科クリニック"),
    ("退院後はささき内科医院で経過観察", "FACILITY", "ささき内科医院"),
    ("市立しらかわ総合病院 御中", "FACILITY", "市立しらかわ総合病院"),
]


@pytest.mark.parametrize(("text", "type_", "expected"), FINDS)
def test_finds(detector: Detector, text: str, type_: str, expected: str) -> None:
    found = {(s.type, s.text) for s in detector.detect(text)}
    assert (type_, expected) in found, found


TRAPS = [
    "橋本病、パーキンソン病、クローン病、バセドウ病、川崎病で通院中。",
    "アルツハイマー型認知症とレビー小体型認知症の鑑別。ギラン・バレー症候群は否定的。",
    "日本脳炎ワクチン接種済み。西ナイル熱の流行地への渡航歴なし。",
    "Cr 1.2 mg/dL、BUN 18、HbA1c 6.9%、血圧 120/80 mmHg、脈拍 72/分。",
    "アムロジピン 5mg 1日1回、ワルファリン 2mg、葛根湯 7.5g、大建中湯。",
    "MMT 4/5、GCS E4V5M6、NRS 3/10、Apgar 8/9、NYHA II度。",
    "同様の症状が続く。感冒様症状あり、様子をみていた。浸潤影様の陰影。",
    "回復期リハビリテーション病院へ転院。ペインクリニックへ紹介。総合病院での精査。大学病院は不要。",
    "父：脳梗塞、母：2型糖尿病、兄：ホジキンリンパ腫。",
    "T2N0M0、Stage I。CA19-9 25 U/mL。COVID-19 PCR 陰性。SARS-CoV-2 抗原陰性。",
    "マーフィー徴候陰性。バビンスキー反射陰性。ワイル氏病の既往なし。",
    "第3病日に解熱し、4日前から食欲が改善。3年前に脳梗塞。70代で発症。",
    "患者ID：の欄は空欄。患者背景を確認。担当者不明。",
    "71歳男性。",
]


@pytest.mark.parametrize("text", TRAPS)
def test_traps_have_no_findings(detector: Detector, text: str) -> None:
    assert detector.detect(text) == []


def test_every_age_under_policy_all() -> None:
    from karte.deid import DeidPolicy

    spans = Detector(policy=DeidPolicy(age_threshold=None)).detect("71歳男性")
    assert [(s.type, s.text) for s in spans] == [("AGE", "71歳")]


def test_bare_years_can_be_kept() -> None:
    from karte.deid import DeidPolicy

    spans = Detector(policy=DeidPolicy(bare_years=False)).detect("2015年 胃癌術後、2024年3月1日 入院")
    assert [s.text for s in spans] == ["2024年3月1日"]


def test_spans_point_into_the_original_text(detector: Detector) -> None:
    text = "ｶﾙﾃ　氏名：ﾔﾏﾀﾞ　ﾀﾛｳ 様　ＴＥＬ　０３－１２３４－５６７８"
    spans = detector.detect(text)
    assert {s.type for s in spans} == {"PATIENT_NAME", "PHONE"}
    for s in spans:
        assert text[s.start : s.end] == s.text


def test_explanations_name_recognizer_pattern_context(detector: Detector) -> None:
    (span,) = [s for s in detector.detect("TEL 03-1234-5678") if s.type == "PHONE"]
    assert span.explanation.recognizer == "pattern"
    assert span.explanation.pattern == "phone_hyphenated"
    assert "TEL" in span.explanation.context
    assert span.score == span.explanation.score > 0.85


@pytest.mark.parametrize(
    ("number", "valid"),
    [("123456789018", True), ("123456789012", False), ("1234 5678 9018", True), ("12345678901", False)],
)
def test_mynumber_check_digit(number: str, valid: bool) -> None:
    assert mynumber_check_digit_ok(number) is valid


@pytest.mark.parametrize(("number", "valid"), [("01130012", True), ("01270016", True), ("01130013", False)])
def test_insurer_check_digit(number: str, valid: bool) -> None:
    assert insurer_check_digit_ok(number) is valid


def test_unlabelled_12_digits_need_a_valid_check_digit(detector: Detector) -> None:
    assert [s.type for s in detector.detect("番号は 1234-5678-9018 です")] == ["MYNUMBER"]
    assert detector.detect("番号は 1234-5678-9012 です") == []
