"""Search terms for BM25: Sudachi normalised forms of content words, plus their short-unit parts.

Karte's tokenizer (:func:`karte.text.tokenize`) uses Sudachi split mode C, which keeps compounds
whole (``高血圧症``, ``血糖値``). A query that says ``高血圧`` or ``血糖`` would then miss them, so
every content token of two or more characters also contributes the normalised forms of its
mode-A parts (``高血圧症`` → ``高血圧症``, ``高``, ``血圧``, ``症``), and two adjacent tokens of one
compound (nouns, prefixes, suffixes) contribute their joined form (``高尿酸血症`` is cut into
``高``, ``尿酸``, ``血``, ``症``; the pairs ``高尿酸``, ``尿酸血``, ``血症`` keep it apart from
``高コレステロール血症``).

Particles, auxiliary verbs, punctuation and whitespace are dropped; terms are lower-cased
(``CKD`` = ``ckd``). Brackets are read as spaces first: SudachiDict has entries that span them
(``肛門(ストーマ)``, normalised to ``肛門``), which would hide the bracketed word.

``ANALYZER_VERSION`` is stored in every saved index: an index saved with other term rules would
silently mismatch the queries, so loading refuses it.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from karte.text import tokenize

ANALYZER_VERSION = "sudachi-c+a+pairs-3"

# Parts of speech (Sudachi's first level) that carry no search meaning.
_DROPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "空白", "記号"})

# Brackets (ASCII and full-width) are replaced by spaces before tokenising.
_BRACKETS = str.maketrans({c: " " for c in "()[]{}<>（）［］｛｝〈〉《》「」『』【】〔〕"})

# Adjacent tokens of these parts of speech form compounds (高+尿酸+血+症): their pairs are terms too.
_COMPOUND_POS = frozenset({"名詞", "接頭辞", "接尾辞"})

_local = threading.local()


def _mode_a() -> Any:
    tok = getattr(_local, "mode_a", None)
    if tok is None:
        from sudachipy import Dictionary, SplitMode

        tok = Dictionary().tokenizer(mode=SplitMode.A, fields={"normalized_form"})
        _local.mode_a = tok
    return tok


@lru_cache(maxsize=65536)
def _parts(surface: str) -> tuple[str, ...]:
    """Normalised forms of the mode-A parts of one mode-C token (empty if it has only one part)."""
    parts = tuple(m.normalized_form().lower() for m in _mode_a().tokenize(surface))
    return parts if len(parts) > 1 else ()


def terms(text: str) -> list[str]:
    """BM25 terms of ``text``, in text order (duplicates kept: BM25 counts them)."""
    out: list[str] = []
    previous: str | None = None  # norm of the previous token when both are parts of one compound
    for token in tokenize(text.translate(_BRACKETS)):
        if token.pos in _DROPPED_POS or token.is_space:
            previous = None
            continue
        norm = token.norm.lower()
        out.append(norm)
        if len(token.text) >= 2:
            out.extend(p for p in _parts(token.text) if p != norm)
        if token.pos in _COMPOUND_POS:
            if previous is not None:
                out.append(previous + norm)
            previous = norm
        else:
            previous = None
    return out
