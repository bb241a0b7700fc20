"""Operators: mask, pseudonymize (consistent per patient), shift-dates (intervals kept), hash, mapping."""

from __future__ import annotations

import datetime as dt

import pytest

from karte.config import Settings
from karte.deid import Deidentifier
from karte.deid.dates import parse_date, shift_date
from karte.errors import ConfigError, InputError

SECRET = "test-site-secret-0123456789"
NOTE = (
    "氏名：山田太郎 様（ヤマダ タロウ）\n"
    "2024年3月1日 入院、2024年3月15日 退院。主治医 佐藤 健一 先生。TEL 03-1234-5678"
)


def engine(secret: str | None = SECRET) -> Deidentifier:
    return Deidentifier(Settings(deid_secret=secret))


def test_mask_uses_type_labels() -> None:
    out = engine(None).run("氏名：山田太郎 様 2024年3月1日 入院 TEL 03-1234-5678").text
    assert out == "氏名：＜氏名＞ 様 ＜日付＞ 入院 TEL ＜電話番号＞"


@pytest.mark.parametrize("operator", ["pseudonymize", "shift-dates", "hash"])
def test_operators_that_need_the_secret_refuse_without_it(operator: str) -> None:
    with pytest.raises(ConfigError) as err:
        engine(None).run(NOTE, operator=operator)
    assert "KARTE_DEID_SECRET" in err.value.message


def test_short_secret_is_refused() -> None:
    with pytest.raises(ConfigError):
        engine("short").run(NOTE, operator="hash")


def test_unknown_operator() -> None:
    with pytest.raises(InputError):
        engine().run(NOTE, operator="erase")


def test_pseudonyms_are_consistent_within_and_across_a_patients_notes() -> None:
    e = engine()
    first = e.run(NOTE, operator="pseudonymize", patient_id="P1")
    second = e.run("山田さんは再診。ヤマダ タロウ", operator="pseudonymize", patient_id="P1")
    name = next(r.replacement for r in first.replacements if r.original == "山田太郎")
    reading = next(r.replacement for r in first.replacements if r.original == "ヤマダ タロウ")
    surname = next(r.replacement for r in second.replacements if r.original == "山田")
    assert name != "山田太郎" and "山田" not in first.text and "佐藤 健一" not in first.text
    assert name.startswith(surname)  # 山田 → the same fake surname in the other note
    assert reading in second.text  # the katakana reading gets the same fake reading
    other = e.run(NOTE, operator="pseudonymize", patient_id="P2")
    assert other.text != first.text


def test_date_shift_keeps_intervals_and_format() -> None:
    e = engine()
    out = e.run(
        "2024年3月1日 入院、2024年3月15日 退院。令和6年4月1日 再診。", operator="shift-dates", patient_id="P1"
    )
    new = [r.replacement for r in out.replacements]
    assert new[0].endswith("日") and new[2].startswith(("令和", "平成"))
    days = [parse_date(v) for v in new]
    assert all(d is not None for d in days)
    dates = [dt.date(d.year, d.month, d.day) for d in days if d and d.year and d.month and d.day]
    assert (dates[1] - dates[0]).days == 14
    assert (dates[2] - dates[0]).days == (dt.date(2024, 4, 1) - dt.date(2024, 3, 1)).days
    assert dates[0] != dt.date(2024, 3, 1)


def test_shift_is_the_same_for_every_note_of_a_patient() -> None:
    e = engine()
    a = e.run("2024/03/01 入院", operator="shift-dates", patient_id="P9").text
    b = e.run("入院は 2024/03/01", operator="shift-dates", patient_id="P9").text
    assert a.split(" ")[0] == b.split(" ")[1]


@pytest.mark.parametrize(
    ("text", "days", "expected"),
    [
        ("2024年3月1日", 14, "2024年3月15日"),
        ("R6.3.1", 31, "R6.4.1"),
        ("平成31年4月20日", 20, "令和1年5月10日"),
        ("令和元年5月1日", -1, "平成31年4月30日"),
        ("昭和六十年三月一日", 1, "昭和六十年三月二日"),
        ("2024/03/01", -1, "2024/02/29"),
        ("3/1", 1, "3/2"),
        ("2月30日", 1, None),
    ],
)
def test_shift_date_formats(text: str, days: int, expected: str | None) -> None:
    assert shift_date(text, days, default_year=2024) == expected


def test_full_width_digits_stay_full_width() -> None:
    out = engine().run("２０２４年３月１日 入院", operator="shift-dates", patient_id="P1").text
    assert out[0] == "２" and "2" not in out


def test_hash_is_site_wide_and_keyed() -> None:
    a = engine().run("主治医 佐藤 健一 先生", operator="hash", patient_id="P1").text
    b = engine().run("主治医 佐藤 健一 先生", operator="hash", patient_id="P2").text
    c = (
        Deidentifier(Settings(deid_secret="another-secret-0123456789"))
        .run("主治医 佐藤 健一 先生", operator="hash")
        .text
    )
    assert a == b != c and a.startswith("主治医 ＜人名:")


def test_mapping_roundtrip_and_wrong_secret() -> None:
    pytest.importorskip("cryptography")
    from karte.deid.mapping import decrypt_mapping

    out = engine().run(NOTE, operator="mask", with_mapping=True, document_key="doc-1")
    assert out.mapping is not None and "山田" not in out.mapping
    doc, rows = decrypt_mapping(SECRET.encode(), out.mapping)
    assert doc == "doc-1"
    assert {r.original for r in rows} >= {"山田太郎", "2024年3月1日", "03-1234-5678"}
    for r in rows:
        assert NOTE[r.start : r.end] == r.original
        assert out.text[r.out_start : r.out_end] == r.replacement
    with pytest.raises(InputError):
        decrypt_mapping(b"wrong-secret-0123456789", out.mapping)
