"""Curated tables: every row has a source and valid-from date, and every entry resolves."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest

from karte.terminology.keys import key
from karte.terminology.phrase import rules
from karte.terminology.resources import load_table

TABLES = sorted(
    p.name
    for p in resources.files("karte.terminology.resources").joinpath("ja").iterdir()
    if p.name.endswith(".yaml")
)


@pytest.mark.parametrize("name", TABLES)
def test_rows_have_source_and_valid_from(name: str) -> None:
    for row in load_table("ja", name)["rows"]:
        assert row["source"] and row["valid_from"]


def test_abbreviation_readings_are_dictionary_terms(icd10: Any) -> None:
    assert rules().abbreviations  # loaded
    rows = [r for r in load_table("ja", "abbreviations.yaml")["rows"] if r.get("kind") != "organism"]
    missing = [(r["abbr"], t) for r in rows for t in r["to"] if not icd10.lexicon.exact(key(t))]
    assert missing == []


def test_curated_codes_exist(icd10: Any, icd11: Any, icf: Any, jfagy: Any) -> None:
    for row in load_table("ja", "icd10_synonyms.yaml")["rows"]:
        assert icd10.validate(str(row["code"])).ok, row
    for row in load_table("ja", "icd11_ja.yaml")["rows"]:
        assert icd11.lookup(str(row["code"])) is not None, row
    for row in load_table("ja", "icf_ja.yaml")["rows"]:
        assert icf.validate(str(row["code"])).ok, row
    for row in load_table("ja", "jfagy_ja.yaml")["rows"]:
        assert jfagy.validate(str(row["code"])).ok, row
