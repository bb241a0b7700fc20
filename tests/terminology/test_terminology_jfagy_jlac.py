"""J-FAGY allergens and JLAC10 lab codes: embedded subsets, importers, code parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from karte.config import get_settings
from karte.errors import InputError
from karte.terminology.importers import import_table
from karte.terminology.jlac import parts
from karte.terminology.registry import get_code_system


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("卵アレルギー", "J9FB13110000"),
        ("ｿﾊﾞ", "J9FA19140000"),
        ("ピーナッツ", "J9FA21180000"),
        ("スギ花粉症", "J9NK13320000"),
    ],
)
def test_allergen_phrases(jfagy: Any, text: str, code: str) -> None:
    assert jfagy.search(text, 2)[0].code == code


def test_two_allergens_both_ranked(jfagy: Any) -> None:
    assert {m.code for m in jfagy.search("エビ・カニ", 2)} == {"J9FC15110000", "J9FC15120000"}


def test_jfagy_dummy_codes_are_not_allergens(jfagy: Any, shared_data: Path) -> None:
    settings = get_settings()
    import_table("jfagy", shared_data / "jfagy" / "JFAGY_J9FN_20250401_R01_utf8.csv", settings)
    full = get_code_system("jfagy", settings)
    assert full.validate("J9FC15110000").ok
    assert not full.validate("D9F000000000").ok
    assert full.parents("J9FB13110011")[0] == "J9FB13110000"  # egg yolk < poultry egg


def test_jlac10_parts() -> None:
    p = parts("3C015000002327101")
    assert (p.analyte, p.identification, p.specimen, p.method, p.result) == (
        "3C015",
        "0000",
        "023",
        "271",
        "01",
    )
    with pytest.raises(ValueError):
        parts("3C015")


@pytest.mark.parametrize(
    ("name", "analyte"),
    [
        ("ｸﾚｱﾁﾆﾝ", "3C015"),
        ("γ－ＧＴＰ", "3B090"),
        ("T.Bil", "3J010"),
        ("HbA1c(NGSP)", "3D046"),
        ("potassium", "3H015"),
    ],
)
def test_lab_names(jlac: Any, name: str, analyte: str) -> None:
    item = jlac.search(name, 1)[0].code
    assert jlac.choose_code(item, None, None, None).analyte == analyte


def test_specimen_from_name_or_field(jlac: Any) -> None:
    assert jlac.specimen_of("尿蛋白定性") == "001"
    assert jlac.specimen_of(None, "血漿") == "022"
    row = jlac.choose_code("ALB", "022", None, None)
    assert row.jlac10[9:12] == "022"


def test_jlac_import_gives_jlac11(shared_data: Path) -> None:
    settings = get_settings()
    import_table("jlac", shared_data / "jlac" / "CLINS_master_JLAC10_11_0930.csv", settings)
    full = get_code_system("jlac", settings)
    row = full.choose_code(full.search("ｸﾚｱﾁﾆﾝ", 1)[0].code, "023", None, None)
    assert row.analyte == "3C015" and row.jlac11


def test_import_refuses_wrong_file(tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError):
        import_table("jfagy", bad, get_settings())
    with pytest.raises(InputError):
        import_table("icd10", bad, get_settings())
    with pytest.raises(InputError):
        import_table("nosuch", bad, get_settings())
