"""Dictionary matcher: Aho–Corasick over every term of :mod:`karte.extract.terms`.

Matching runs on the normalised note with ASCII letters lower-cased (the same key as the terms), so
offsets are normalised offsets, one to one with the text given. ASCII terms only match at word
boundaries (``CT`` not inside ``CTRX``); an ASCII term of three characters or fewer must also match
the case of one of its listed spellings (``Ca`` is calcium, ``CA`` is not).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from karte.extract.terms import Term, all_terms

_SHORT_ASCII = 3


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _joined(left: str, right: str) -> bool:
    """Whether two adjacent characters belong to one ASCII word (letters with letters, digits with
    digits, or a digit followed by a lower-case letter); ``PSL60mg`` and ``T4N0M0`` split."""
    if not (_is_word_char(left) and _is_word_char(right)):
        return False
    if left.isalpha() == right.isalpha():
        return True
    return left.isdigit() and right.islower()


@dataclass(frozen=True, slots=True)
class DictMatch:
    start: int  # normalised offsets
    end: int
    terms: tuple[Term, ...]  # every entry spelled this way (one per type at most)
    kinds: frozenset[str] = frozenset()  # the types of ``terms`` (filled in when not given)

    def __post_init__(self) -> None:
        if not self.kinds:
            object.__setattr__(self, "kinds", frozenset(t.type for t in self.terms))

    @property
    def types(self) -> frozenset[str]:
        return self.kinds

    def term(self, type_: str) -> Term | None:
        return next((t for t in self.terms if t.type == type_), None)


class DictionaryMatcher:
    """All dictionary terms in one automaton; :meth:`matches` finds every occurrence in a text."""

    def __init__(self, terms: Iterable[Term]) -> None:
        by_key: dict[str, dict[str, Term]] = {}
        self._case: dict[str, set[str]] = {}
        for term in terms:
            key = term.text.translate(_ASCII_LOWER)
            if not key:
                continue
            by_key.setdefault(key, {}).setdefault(term.type, term)
            if term.text.isascii() and len(term.text) <= _SHORT_ASCII:
                self._case.setdefault(key, set()).add(term.text)
        self._automaton = ahocorasick.Automaton()
        for key, per_type in by_key.items():
            self._automaton.add_word(key, (len(key), tuple(per_type.values()), frozenset(per_type)))
        self._automaton.make_automaton()
        self.size = len(by_key)

    def matches(self, text: str) -> list[DictMatch]:
        """Every occurrence of a term in ``text`` (a normalised note), sorted by start then longest."""
        lowered = text.translate(_ASCII_LOWER)
        found: list[DictMatch] = []
        n = len(text)
        for end_index, (length, terms, kinds) in self._automaton.iter(lowered):
            end = end_index + 1
            start = end - length
            if terms[0].text.isascii() or text[start].isascii() or text[end - 1].isascii():
                if start > 0 and _joined(text[start - 1], text[start]):
                    continue
                if end < n and _joined(text[end - 1], text[end]):
                    continue
                spellings = self._case.get(lowered[start:end])
                if spellings is not None and text[start:end] not in spellings:
                    continue
            found.append(DictMatch(start, end, terms, kinds))
        found.sort(key=lambda m: (m.start, -m.end))
        return found


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def longest_per_type(matches: list[DictMatch], type_: str) -> list[DictMatch]:
    """Leftmost-longest, non-overlapping matches of one type."""
    out: list[DictMatch] = []
    last_end = -1
    for m in matches:  # sorted by start, longest first
        if m.start >= last_end and type_ in m.kinds:
            out.append(m)
            last_end = m.end
    return out


def longest_overall(matches: list[DictMatch]) -> list[DictMatch]:
    """Leftmost-longest, non-overlapping matches whatever their type."""
    out: list[DictMatch] = []
    last_end = -1
    for m in matches:
        if m.start >= last_end:
            out.append(m)
            last_end = m.end
    return out


@lru_cache(maxsize=1)
def default_matcher() -> DictionaryMatcher:
    """The matcher over MEDIS names and Karte's curated tables (built once per process)."""
    return DictionaryMatcher(all_terms())
