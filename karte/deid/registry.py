"""Load the recognizer registry (``resources/<lang>/recognizers.yaml``) into recognizer objects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from karte.deid.namelists import NameLexicon, load_lexicon
from karte.deid.names import NameRecognizer, NameVocabulary
from karte.deid.patterns import PatternRecognizer, compile_pattern
from karte.deid.places import AddressRecognizer, FacilityRecognizer
from karte.deid.resources import lines, load_deid_yaml

FP_LISTS = ("eponym_terms", "place_terms", "drug_terms")


@dataclass(frozen=True)
class FalsePositiveTerms:
    """Terms whose occurrences are never personal information (橋本病, 日本脳炎, アムロジピン …)."""

    terms: frozenset[str]
    regex: re.Pattern[str] | None
    sources: dict[str, str]

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        if self.regex is None:
            return []
        return [(m.start(), m.end(), m.group()) for m in self.regex.finditer(text)]


@dataclass(frozen=True)
class Registry:
    lang: str
    threshold: float
    labels: dict[str, str]
    patterns: tuple[PatternRecognizer, ...]
    names: NameRecognizer
    address: AddressRecognizer
    facility: FacilityRecognizer
    false_positives: FalsePositiveTerms
    lexicon: NameLexicon
    address_prefectures: tuple[str, ...]
    facility_suffixes: tuple[str, ...]  # longest first


@lru_cache(maxsize=4)
def load_registry(lang: str = "ja") -> Registry:
    spec = load_deid_yaml(lang, "recognizers.yaml")
    fp_data = load_deid_yaml(lang, "false_positives.yaml")
    macros = {str(k): str(v) for k, v in spec.get("macros", {}).items()}
    defaults = {k: spec[k] for k in ("context_boost", "context_window", "context_after") if k in spec}
    patterns = tuple(compile_pattern(p, macros, defaults) for p in spec.get("patterns", []))
    names = [p.name for p in patterns]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"recognizers.yaml: duplicate pattern names {sorted(duplicates)}")
    terms: set[str] = set()
    sources: dict[str, str] = {}
    for key in FP_LISTS:
        block = fp_data.get(key, {})
        terms.update(lines(block.get("terms")))
        sources[key] = str(block.get("source", ""))
    fp_regex = (
        re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))) if terms else None
    )
    generic = lines(fp_data.get("generic_facility_words", {}).get("terms"))
    lexicon = load_lexicon(lang)
    return Registry(
        lang=lang,
        threshold=float(spec.get("threshold", 0.5)),
        labels={str(k): str(v) for k, v in spec["labels"].items()},
        patterns=patterns,
        names=NameRecognizer(NameVocabulary.from_registry(spec["names"]), lexicon),
        address=AddressRecognizer(spec["address"]),
        facility=FacilityRecognizer(spec["facility"], generic),
        false_positives=FalsePositiveTerms(frozenset(terms), fp_regex, sources),
        lexicon=lexicon,
        address_prefectures=tuple(str(p) for p in spec["address"]["prefectures"]),
        facility_suffixes=tuple(
            sorted((str(s) for s in spec["facility"]["suffixes"]), key=len, reverse=True)
        ),
    )
