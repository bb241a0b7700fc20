from __future__ import annotations

import pytest

from karte.reporting.death.code_ranges import CodeRange, CodeSet, chapter_xix, external_cause


@pytest.mark.parametrize(
    ("rng", "code", "inside"),
    [
        ("I20-I25", "I21.9", True),
        ("I20-I25", "I26", False),
        ("I20-I25", "I19", False),
        ("D68.0-D68.2", "D68.1", True),
        ("D68.0-D68.2", "D68", False),
        ("D68.0-D68.2", "D68.3", False),
        ("E86", "E86", True),
        ("E86", "E86.0", True),
        ("A00-B19", "B18.2", True),
        ("V01-X59", "W19", True),
        ("V01-X59", "X60", False),
    ],
)
def test_range_membership(rng: str, code: str, inside: bool) -> None:
    assert (code in CodeRange.parse(rng)) is inside


def test_code_set_and_chapters() -> None:
    s = CodeSet.parse(["C00-C76", "C81-C97"])
    assert "C34.9" in s and "C78.7" not in s and "C90.0" in s
    assert chapter_xix("S72.00") and chapter_xix("T71") and not chapter_xix("V03.1")
    assert external_cause("V03.1") and external_cause("Y34") and not external_cause("Z99")


def test_bad_range_is_an_error() -> None:
    with pytest.raises(ValueError):
        CodeRange.parse("I2")
