"""Diseases as ICD-10 code sets: resolve a criterion's disease phrase, find coded disease names in notes.

Both use the ICD-10 system of :mod:`karte.terminology` (MEDIS standard names, index words, Japanese
titles, curated synonyms). Phrases first try the curated groups of ``concept_groups.yaml`` ("悪性腫瘍"
→ C00-C97), then the ICD-10 normaliser, accepting only whole-phrase matches (exact, spelling variant,
abbreviation) or a term covering nearly all of the phrase. Notes are scanned for every term
(leftmost-longest), so ``2型糖尿病`` is E11, not the 糖尿病 inside it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from karte.screening.code_sets import CodeSet, category_item
from karte.screening.lexicon import TermHit, TermMatcher
from karte.screening.resources import load_resource
from karte.terminology.keys import key

# Term sources of the ICD-10 lexicon used to find diseases in notes (readings and English titles are
# left out: kana readings collide with ordinary words, and the notes are Japanese).
NOTE_SOURCES = frozenset({"standard", "standard_abbrev", "index", "title", "curated"})
MIN_ASCII_KEY = 3
ACCEPT_KINDS = frozenset({"exact", "variant", "abbreviation"})
MIN_RESOLVE_SCORE = 0.8
MIN_PARTIAL_COVERAGE = 0.85


@dataclass(frozen=True)
class ResolvedDisease:
    label: str
    codes: list[str]
    rationale: str
    score: float


@dataclass(frozen=True)
class ConceptGroup:
    names: tuple[str, ...]
    codes: tuple[str, ...]
    source: str
    note_code: str | None = None

    @cached_property
    def code_set(self) -> CodeSet:
        return CodeSet.of(self.codes)


class DiseaseVocabulary:
    def __init__(self, lang: str = "ja") -> None:
        data = load_resource(lang, "concept_groups.yaml")
        sources: dict[str, str] = data["sources"]
        self.groups = [
            ConceptGroup(
                tuple(map(str, g["names"])),
                tuple(map(str, g["codes"])),
                sources[g["src"]],
                g.get("note_code"),
            )
            for g in data["groups"]
        ]
        self._group_by_key = {key(n): g for g in self.groups for n in g.names}
        self._lock = threading.Lock()
        self._matcher: TermMatcher[str] | None = None

    @cached_property
    def icd10(self) -> Any:
        from karte.terminology.registry import get_code_system

        return get_code_system("icd10")

    # ---- criteria ------------------------------------------------------------------------------
    def group_of(self, phrase: str) -> ConceptGroup | None:
        return self._group_by_key.get(key(phrase))

    def resolve(self, phrase: str) -> ResolvedDisease | None:
        """The code set a disease phrase of a criterion names, or None when nothing fits well."""
        k = key(phrase)
        if len(k) < 2:
            return None
        group = self._group_by_key.get(k)
        if group is not None:
            return ResolvedDisease(
                phrase,
                list(group.codes),
                f"疾患群の定義「{phrase}」→ {', '.join(group.codes)} ({group.source})",
                1.0,
            )
        matches = self.icd10.search(phrase, 3)
        if not matches:
            return None
        top = matches[0]
        coverage = (top.spans[0].end - top.spans[0].start) / max(1, len(phrase)) if top.spans else 0.0
        good = top.kind in ACCEPT_KINDS or (top.kind == "partial" and coverage >= MIN_PARTIAL_COVERAGE)
        if not good or top.score < MIN_RESOLVE_SCORE:
            return None
        item = category_item(top.code)
        return ResolvedDisease(
            phrase,
            [item],
            f"ICD-10 正規化「{phrase}」→ {top.code} {top.display} ({top.kind}, score {top.score:.2f}); "
            f"コード集合 {item}",
            float(top.score),
        )

    # ---- notes ---------------------------------------------------------------------------------
    def matcher(self) -> TermMatcher[str]:
        with self._lock:
            if self._matcher is None:
                self._matcher = TermMatcher.from_keys(self._note_rows(), kana_boundaries=True)
            return self._matcher

    def _note_rows(self) -> list[tuple[str, str, tuple[str, ...]]]:
        lexicon = self.icd10.lexicon
        rows: list[tuple[str, str, tuple[str, ...]]] = []
        for k in lexicon.keys():
            entries = [e for e in lexicon.exact(k) if e.source in NOTE_SOURCES]
            if not entries or len(k) < 2:
                continue
            if k.isascii() and len(k) < MIN_ASCII_KEY and not any(e.source == "curated" for e in entries):
                continue
            codes = tuple(dict.fromkeys(e.code for e in entries))
            rows.append((k, entries[0].term, codes))
        known = {row[0] for row in rows}
        for g in self.groups:
            if g.note_code:
                rows += [(key(n), n, (g.note_code,)) for n in g.names if key(n) not in known]
        for phrase in load_resource("ja", "note_rules.yaml")["not_diseases"]["phrases"]:
            rows.append((key(str(phrase)), str(phrase), ()))  # blocks the disease names inside it
        return rows

    def find(self, text: str) -> list[TermHit[str]]:
        """Disease names in ``text`` with their ICD-10 codes (leftmost-longest, ORIGINAL offsets)."""
        return [h for h in self.matcher().find(text) if h.values]

    def broader_group(self, surface: str, check_items: list[str]) -> ConceptGroup | None:
        """The group a mention names by its group name when that group holds the criterion's codes
        ("糖尿病" written where the criterion asks for 2型糖尿病): such a mention cannot decide."""
        group = self._group_by_key.get(key(surface))
        if group is None:
            return None
        items = [item for item in check_items if "-" not in item]
        if items and all(group.code_set.contains(item) for item in items):
            return group
        return None


_vocab: DiseaseVocabulary | None = None
_vocab_lock = threading.Lock()


def disease_vocabulary() -> DiseaseVocabulary:
    global _vocab
    with _vocab_lock:
        if _vocab is None:
            _vocab = DiseaseVocabulary()
        return _vocab
