"""Accuracy on the dev sets (embedded tables, no LLM), against floors below the measured figures.

Measured (embedded defaults; ``karte eval code``): ICD-10 3-character top-1 0.96, ICD-11 exact
0.97, ICF with qualifier 0.97, J-FAGY 1.00, JLAC10 analyte 1.00. The floors leave room for
harmless ranking changes while still catching a broken normaliser.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from karte.terminology.evaluate import devset_predictor, evaluate, read_devset, subset_tags

DEVSETS = Path(__file__).resolve().parents[2] / "karte" / "terminology" / "devsets"


@pytest.mark.parametrize(
    ("name", "level", "floor"),
    [
        ("icd10_phrases.jsonl", "category", 0.92),
        ("icd11_phrases.jsonl", "full", 0.85),
        ("icf_phrases.jsonl", "full", 0.85),
        ("jfagy_phrases.jsonl", "full", 0.95),
        ("lab_names.jsonl", "category", 0.90),
    ],
)
def test_devset_floor(name: str, level: str, floor: float) -> None:
    report = evaluate(read_devset(DEVSETS / name), devset_predictor())
    tally = report.char3 if level == "category" else report.full
    assert tally.top1 / tally.n >= floor, report.misses[:10]


def test_icd10_phrases_absent_from_medis() -> None:
    report = evaluate(read_devset(DEVSETS / "icd10_phrases.jsonl"), devset_predictor(), subset_tags)
    absent = report.subsets["absent-from-MEDIS"]
    assert absent.n >= 50
    assert absent.top1 / absent.n >= 0.85
