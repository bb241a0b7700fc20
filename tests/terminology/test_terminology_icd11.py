"""ICD-11: cluster syntax and axis validation, post-coordination, embedded subset and import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from karte.config import get_settings
from karte.terminology.importers import import_table
from karte.terminology.registry import get_code_system


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("MD81.10&XK9K", True),
        ("FA01.Z&XK9J", True),
        ("ME84.2Z&XT8W", True),
        ("CA40.Z&XS25", True),
        ("BA41.Z", True),
        ("2C6Z&XK8G/BA00.Z", True),  # '/' joins stems
        ("6A70&XK9K", False),  # laterality does not fit mental disorders
        ("XK9K", False),  # an extension cannot stand alone
        ("BA41&XK9K&XK8G", False),  # laterality twice
        ("MD81.10&BA00.Z", False),  # a stem after '&'
        ("MD81.10&&XK9K", False),
        ("ZZ99", False),
        ("", False),
    ],
)
def test_cluster_validation(icd11: Any, code: str, ok: bool) -> None:
    check = icd11.validate(code)
    assert check.ok is ok, check.reason
    if not ok:
        assert check.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("右季肋部痛", "MD81.10&XK9K"),
        ("左大腿骨頸部骨折", "NC72.2Z&XK8G"),
        ("両側変形性膝関節症", "FA01.Z&XK9J"),
        ("重症肺炎", "CA40.Z&XS25"),
        ("慢性腰痛", "ME84.2Z&XT8W"),
        ("急性心筋梗塞", "BA41.Z"),  # the stem already says acute: no XT5R
    ],
)
def test_postcoordinated_coding(icd11: Any, text: str, expected: str) -> None:
    best = icd11.search(text, 1)[0]
    assert best.code == expected
    assert icd11.validate(best.code).ok
    assert any(text[s.start : s.end] for s in best.spans)


def test_japanese_display_of_cluster(icd11: Any) -> None:
    assert icd11.display("MD81.10&XK9K") == "上腹部痛・右"
    assert "Right" in icd11.display("MD81.10&XK9K", "en")


def test_embedded_subset_works_without_the_who_file(icd11: Any) -> None:
    assert icd11.origin == "embedded"
    assert icd11.map_icd10("I21.9") == "BA41.Z"
    assert icd11.is_stem("MD81.10")


def test_import_gives_full_table(shared_data: Path) -> None:
    settings = get_settings()
    result = import_table("icd11", shared_data / "icd11", settings)
    assert result.rows > 30000 and result.path.is_file()
    full = get_code_system("icd11", settings)
    assert full.origin != "embedded"
    assert full.is_stem("1A00") and full.validate("1A00&XN8P1").ok  # not in the embedded subset's axes
    assert full.search("右季肋部痛", 1)[0].code == "MD81.10&XK9K"
