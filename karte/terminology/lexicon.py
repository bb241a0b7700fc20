"""A term dictionary keyed by matching key: exact look-up, every-substring look-up, fuzzy look-up.

Exact and substring look-ups are hash probes (a phrase of n key characters costs at most
n·L probes, L the longest term). Fuzzy look-up (typos, missing or extra characters) first
shortlists terms by BM25 over character bigrams (``bm25s``), then scores the shortlist with
``rapidfuzz``'s normalised Indel similarity. The BM25 index is built on first fuzzy use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from karte.terminology.base import Term
from karte.terminology.keys import key as term_key

MIN_TERM_LEN = 1
SHORTLIST = 40


@dataclass(frozen=True)
class Entry:
    code: str
    term: str
    source: str
    weight: float


@dataclass(frozen=True)
class SubMatch:
    start: int  # in key characters
    end: int
    key: str
    entries: tuple[Entry, ...]


def _bigrams(k: str) -> list[str]:
    if len(k) < 2:
        return [k] if k else []
    return [k[i : i + 2] for i in range(len(k) - 1)]


class Lexicon:
    """Terms of one code system, indexed by key."""

    def __init__(self, terms: Iterable[Term], min_len: int = MIN_TERM_LEN) -> None:
        by_key: dict[str, dict[tuple[str, str], Entry]] = {}
        for t in terms:
            k = term_key(t.text)
            if len(k) < min_len:
                continue
            slot = by_key.setdefault(k, {})
            previous = slot.get((t.code, t.source))
            if previous is None or previous.weight < t.weight:
                slot[(t.code, t.source)] = Entry(t.code, t.text, t.source, t.weight)
        self._by_key: dict[str, tuple[Entry, ...]] = {
            k: tuple(sorted(v.values(), key=lambda e: -e.weight)) for k, v in by_key.items()
        }
        self.max_len = max((len(k) for k in self._by_key), default=0)
        self._keys: list[str] = []
        self._bm25: object | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, k: str) -> bool:
        return k in self._by_key

    def exact(self, k: str) -> tuple[Entry, ...]:
        return self._by_key.get(k, ())

    def keys(self) -> Iterable[str]:
        return self._by_key.keys()

    def substrings(self, k: str, min_len: int = 2) -> list[SubMatch]:
        """Every substring of ``k`` (at least ``min_len`` characters) that is a term key."""
        out: list[SubMatch] = []
        n = len(k)
        by_key = self._by_key
        for i in range(n):
            upper = min(n, i + self.max_len)
            for j in range(i + min_len, upper + 1):
                entries = by_key.get(k[i:j])
                if entries:
                    out.append(SubMatch(i, j, k[i:j], entries))
        return out

    def _index(self) -> object:
        with self._lock:
            if self._bm25 is None:
                import bm25s

                self._keys = list(self._by_key)
                retriever = bm25s.BM25()
                retriever.index([_bigrams(k) for k in self._keys], show_progress=False)
                self._bm25 = retriever
            return self._bm25

    def fuzzy(self, k: str, limit: int = 10, cutoff: float = 0.6) -> list[tuple[str, float]]:
        """Term keys most similar to ``k`` (similarity in [0, 1], at least ``cutoff``), best first."""
        grams = [g for g in _bigrams(k)]
        if not grams:
            return []
        retriever = self._index()
        vocab = retriever.vocab_dict  # type: ignore[attr-defined]
        ids = [vocab[g] for g in grams if g in vocab]
        if not ids:
            return []
        scores = retriever.get_scores_from_ids(ids)  # type: ignore[attr-defined]
        top = min(SHORTLIST, len(scores))
        best = np.argpartition(-scores, top - 1)[:top]
        out: list[tuple[str, float]] = []
        for idx in best:
            if scores[idx] <= 0:
                continue
            cand = self._keys[int(idx)]
            sim = fuzz.ratio(k, cand) / 100.0
            if sim >= cutoff:
                out.append((cand, sim))
        out.sort(key=lambda x: -x[1])
        return out[:limit]
