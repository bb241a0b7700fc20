"""ICF: qualifier syntax per component, and functioning phrases → code with qualifier."""

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
        ("d4153", True),
        ("d4153.2", True),
        ("b280.3", True),
        ("b280.8", True),
        ("b280.9", True),
        ("e310+2", True),
        ("e310.2", True),
        ("e310+8", True),
        ("s7500.213", True),
        ("d450.21", True),
        ("b280.5", False),
        ("b280.23", False),
        ("d450+2", False),
        ("e310+9", False),
        ("e310+5", False),
        ("x123", False),
        ("d9999", False),
        ("d450.", False),
    ],
)
def test_qualifier_syntax(icf: Any, code: str, ok: bool) -> None:
    if code.startswith("s7500") and icf.lookup("s7500") is None:
        pytest.skip("s7500 is only in the imported table")
    assert icf.validate(code).ok is ok, icf.validate(code).reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("座位保持に中等度の介助を要する", "d4153.2"),
        ("歩行自立", "d450.0"),
        ("移乗は全介助", "d420.4"),
        ("中等度の疼痛あり", "b280.2"),
        ("家族の十分な支援あり", "e310+3"),
        ("段差が重度の阻害因子", "e155.3"),
    ],
)
def test_phrase_to_qualified_code(icf: Any, text: str, expected: str) -> None:
    best = icf.search(text, 1)[0]
    assert best.code == expected
    assert icf.validate(best.code).ok


def test_japanese_titles_and_hierarchy(icf: Any) -> None:
    assert icf.display("d4153") == "座位の保持"
    assert icf.parents("d4153") == ["d415", "d4"] or icf.parents("d4153")[0] == "d415"


def test_import_adds_every_code(shared_data: Path) -> None:
    settings = get_settings()
    result = import_table("icf", shared_data / "icf" / "icf_codes_en.tsv", settings)
    assert result.rows == 1417
    full = get_code_system("icf", settings)
    assert full.validate("s7500.213").ok
    assert full.display("d4153") == "座位の保持"  # curated Japanese kept after import
