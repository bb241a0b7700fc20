"""The certainty table: sentences written for Karte, each finding with its expected certainty."""

from __future__ import annotations

import pytest
from certainty_cases import CERTAINTY_CASES, HISTORY_CASES

from karte.extract.pipeline import Extractor


def _finding(extractor: Extractor, sentence: str, finding: str):  # type: ignore[no-untyped-def]
    start = sentence.index(finding)
    end = start + len(finding)
    note = extractor.extract(sentence)
    hits = [m for m in note.mentions if m.type == "disease" and m.start < end and start < m.end]
    found = [(m.type, sentence[m.start : m.end]) for m in note.mentions]
    assert hits, f"{finding!r} not found as disease in {sentence!r}: {found}"
    return min(hits, key=lambda m: abs(m.start - start) + abs(m.end - end))


def test_table_is_large_and_varied() -> None:
    assert len(CERTAINTY_CASES) >= 60
    assert {c for *_, c in CERTAINTY_CASES} == {"positive", "negative", "suspicious", "general"}


@pytest.mark.parametrize(("sentence", "finding", "expected"), CERTAINTY_CASES)
def test_certainty(extractor: Extractor, sentence: str, finding: str, expected: str) -> None:
    mention = _finding(extractor, sentence, finding)
    assert mention.certainty == expected, mention.attribute_rationale


@pytest.mark.parametrize(("note", "finding", "attribute"), HISTORY_CASES)
def test_history_and_family(extractor: Extractor, note: str, finding: str, attribute: str) -> None:
    mention = _finding(extractor, note, finding)
    assert getattr(mention, attribute) is True
