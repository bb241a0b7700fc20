"""A term matcher over matching keys: every leftmost-longest term of a table in a text, ORIGINAL offsets.

Terms and texts are compared under :func:`karte.terminology.keys.key` (NFKC, ASCII lower-cased,
katakana as hiragana, spaces and middle dots dropped), so ``ｸﾚｱﾁﾆﾝ`` finds クレアチニン and
``インスリン グラルギン`` finds インスリングラルギン. ASCII terms match only at word boundaries
(``AS`` not inside ``AST``), and ASCII terms of three characters or fewer only in one of their
listed spellings (``K`` is potassium, ``k`` is not).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick

from karte.terminology.keys import key, keyed
from karte.text import normalize

V = TypeVar("V", bound=Hashable)
_SHORT_ASCII = 3


@dataclass(frozen=True, slots=True)
class TermHit(Generic[V]):
    start: int  # ORIGINAL offsets
    end: int
    term: str  # the table's spelling that matched
    values: tuple[V, ...]


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _is_katakana(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa" or ch in "ー・\uff70" or "\uff66" <= ch <= "\uff9f"


class TermMatcher(Generic[V]):
    """Terms → values (a term may name several); :meth:`find` returns non-overlapping hits."""

    def __init__(
        self, terms: Iterable[tuple[str, V]], min_key: int = 1, *, kana_boundaries: bool = False
    ) -> None:
        self.kana_boundaries = kana_boundaries
        by_key: dict[str, dict[V, str]] = {}
        self._spellings: dict[str, set[str]] = {}
        for text, value in terms:
            k = key(text)
            if len(k) < min_key:
                continue
            by_key.setdefault(k, {}).setdefault(value, text)
            nt = normalize(text).text.replace(" ", "")
            if nt.isascii() and len(nt) <= _SHORT_ASCII:
                self._spellings.setdefault(k, set()).add(nt)
        self._automaton = ahocorasick.Automaton()
        for k, values in by_key.items():
            first_spelling = next(iter(values.values()))
            self._automaton.add_word(k, (len(k), first_spelling, tuple(values)))
        self.size = len(by_key)
        if by_key:
            self._automaton.make_automaton()

    @classmethod
    def from_keys(
        cls, rows: Iterable[tuple[str, str, tuple[V, ...]]], *, kana_boundaries: bool = False
    ) -> TermMatcher[V]:
        """Build from ``(key, spelling, values)`` rows whose keys are already matching keys.

        ``kana_boundaries``: a katakana term does not match inside a longer katakana word.
        """
        matcher: TermMatcher[V] = cls((), kana_boundaries=kana_boundaries)
        for k, spelling, values in rows:
            matcher._automaton.add_word(k, (len(k), spelling, values))
            if spelling.isascii() and len(k) <= _SHORT_ASCII:
                matcher._spellings.setdefault(k, set()).add(normalize(spelling).text.replace(" ", ""))
            matcher.size += 1
        if matcher.size:
            matcher._automaton.make_automaton()
        return matcher

    def find(self, text: str) -> list[TermHit[V]]:
        """Leftmost-longest, non-overlapping hits in ``text``, with offsets into ``text``."""
        if not self.size or not text:
            return []
        kd = keyed(text)
        candidates: list[tuple[int, int, str, tuple[V, ...]]] = []
        for end_index, (length, spelling, values) in self._automaton.iter(kd.key):
            k_start, k_end = end_index + 1 - length, end_index + 1
            start, end = kd.span(k_start, k_end)
            if not self._boundaries_ok(text, start, end, kd.key[k_start:k_end]):
                continue
            candidates.append((start, end, spelling, values))
        candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        hits: list[TermHit[V]] = []
        last_end = -1
        for start, end, spelling, values in candidates:
            if start >= last_end:
                hits.append(TermHit(start, end, spelling, values))
                last_end = end
        return hits

    def _boundaries_ok(self, text: str, start: int, end: int, k: str) -> bool:
        surface = normalize(text[start:end]).text.replace(" ", "")
        if self.kana_boundaries and all(_is_katakana(c) for c in text[start:end]):
            # a katakana term inside a longer katakana word is part of that word (タン in オルメサルタン)
            before = text[start - 1] if start > 0 else ""
            after = text[end] if end < len(text) else ""
            return not (before and _is_katakana(before)) and not (after and _is_katakana(after))
        if not surface.isascii() and not (_is_word_char(text[start]) or _is_word_char(text[end - 1])):
            return True
        if start > 0 and _is_word_char(text[start - 1]) and _is_word_char(text[start]):
            if text[start - 1].isalpha() == text[start].isalpha():
                return False
        if end < len(text) and _is_word_char(text[end - 1]) and _is_word_char(text[end]):
            if text[end].isalpha() == text[end - 1].isalpha() or text[end].islower():
                return False
        spellings = self._spellings.get(k)
        return spellings is None or surface in spellings
