"""Disease, drug and lab-item names for the drafting guard and fact collection.

Built on :func:`karte.extract.dictionary.default_matcher` (MEDIS standard disease names, ICD-10
index words, Karte's curated drug and laboratory tables), plus ``resources/ja/lexicon.yaml`` (drug
names with their salts, vital-sign and lab abbreviations) and the names and aliases of the disease
knowledge base. Only the three kinds the guard checks are kept (disease, medication, test_key), and
overlaps are resolved leftmost-longest, so ``クエン酸第一鉄ナトリウム`` is one drug, not the test
``ナトリウム``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import ahocorasick
import yaml

from karte.text import normalize

KINDS = ("disease", "medication", "test_key")
_PRIORITY = {"medication": 0, "disease": 1, "test_key": 2}
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Hit:
    """A name found in a normalised text."""

    start: int
    end: int
    type: str  # disease | medication | test_key
    canonical: str


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _load_yaml() -> Any:
    ref = resources.files("karte.drafting").joinpath("resources", "ja", "lexicon.yaml")
    return yaml.safe_load(ref.read_text(encoding="utf-8"))


def _knowledge_terms() -> list[tuple[str, str, str]]:
    from karte.knowledge import load_disease_kb

    out = []
    for entry in load_disease_kb():
        for name in [entry.name, *entry.aliases]:
            if len(name) >= 2 and not name.isascii():  # ASCII aliases (CI, HF …) are too ambiguous
                out.append((name, "disease", name))  # aliases are not synonyms: each is its own name
    return out


class Lexicon:
    """Finds disease, drug and lab-item names; one instance per process (see :func:`default_lexicon`)."""

    def __init__(self, extra: list[tuple[str, str, str]] | None = None, *, use_extract: bool = True) -> None:
        data = _load_yaml()
        terms = [(str(r["term"]), str(r["type"]), str(r["canonical"])) for r in data["entries"]]
        terms += extra if extra is not None else _knowledge_terms()
        self._automaton = ahocorasick.Automaton()
        self._short_ascii: dict[str, set[str]] = {}
        seen: dict[str, tuple[int, str, str]] = {}
        for text, type_, canonical in terms:
            key = normalize(text).text.translate(_ASCII_LOWER)
            if key and key not in seen:
                seen[key] = (len(key), type_, canonical)
                if key.isascii() and len(key) <= 3:
                    self._short_ascii.setdefault(key, set()).add(normalize(text).text)
        for key, value in seen.items():
            self._automaton.add_word(key, value)
        self._automaton.make_automaton()
        self._matcher: Any = None
        if use_extract:
            from karte.extract.dictionary import default_matcher

            self._matcher = default_matcher()

    def find(self, norm: str) -> list[Hit]:
        """Names in ``norm`` (a Karte-normalised text), leftmost-longest, medication before disease."""
        candidates: list[Hit] = []
        lowered = norm.translate(_ASCII_LOWER)
        for end_index, (length, type_, canonical) in self._automaton.iter(lowered):
            end = end_index + 1
            start = end - length
            if norm[start:end].isascii():
                if (start > 0 and _is_word(norm[start - 1])) or (end < len(norm) and _is_word(norm[end])):
                    continue
                spellings = self._short_ascii.get(lowered[start:end])
                if spellings is not None and norm[start:end] not in spellings:
                    continue
            candidates.append(Hit(start, end, type_, canonical))
        if self._matcher is not None:
            for m in self._matcher.matches(norm):
                for term in m.terms:
                    if term.type in _PRIORITY:
                        candidates.append(Hit(m.start, m.end, term.type, term.canonical))
        candidates.sort(key=lambda h: (h.start, -(h.end - h.start), _PRIORITY[h.type]))
        out: list[Hit] = []
        last_end = -1
        for h in candidates:
            if h.start >= last_end:
                out.append(h)
                last_end = h.end
        return out


@lru_cache(maxsize=1)
def _default() -> Lexicon:
    return Lexicon()


def default_lexicon() -> Lexicon:
    """The lexicon with every table (the MEDIS part takes some seconds to build, once per process)."""
    with _lock:
        return _default()
