"""Tokens from SudachiPy (split mode C) with normalised forms, and the blank spaCy pipeline.

:func:`tokenize` is the hot path: it calls Sudachi directly (no sub-token analysis, which spaCy's
built-in Japanese tokenizer does for every token and which costs most of its time) and returns
light :class:`Token` objects with offsets into the ORIGINAL text. Long texts are cut into pieces
below Sudachi's input limit at line or sentence ends, never inside a token.

:func:`blank_pipeline` returns a spaCy ``Language`` (``ja``) whose tokenizer is the same Sudachi
mode-C tokenizer, registered as ``karte.SudachiTokenizer.v1``, for components of later stages.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from karte.text.normalize import NormalizedText, normalize

MAX_CHUNK_BYTES = 40_000  # Sudachi refuses inputs over 49,149 bytes
_BREAKS = re.compile(r"\n|[。!?]")


@dataclass(slots=True)
class Token:
    start: int  # original offsets
    end: int
    text: str  # original text[start:end]
    norm: str  # Sudachi normalized_form
    pos: str  # part of speech, e.g. 名詞-普通名詞-一般

    @property
    def is_space(self) -> bool:
        return self.pos.startswith("空白") or not self.text.strip()


_local = threading.local()


def _sudachi() -> Any:
    tok = getattr(_local, "tokenizer", None)
    if tok is None:
        from sudachipy import Dictionary, SplitMode

        tok = Dictionary().tokenizer(mode=SplitMode.C, fields={"pos", "normalized_form"})
        _local.tokenizer = tok
    return tok


def _chunks(text: str) -> Iterator[tuple[int, int]]:
    """Cut ``text`` into pieces of at most MAX_CHUNK_BYTES UTF-8 bytes (≤ 4 bytes per char)."""
    n = len(text)
    start = 0
    max_chars = MAX_CHUNK_BYTES // 4
    while start < n:
        if n - start <= max_chars or len(text[start:].encode("utf-8")) <= MAX_CHUNK_BYTES:
            yield start, n
            return
        limit = start + max_chars
        cut = -1
        for m in _BREAKS.finditer(text, start + max_chars // 2, limit):
            cut = m.end()
        if cut <= start:
            cut = limit  # no break found: cut between characters (rare; may split one token)
            while cut > start + 1 and (text[cut - 1].isalnum() and text[cut].isalnum()):
                cut -= 1
            if cut <= start + 1:
                cut = limit
        yield start, cut
        start = cut


def tokenize_normalized(nt: NormalizedText) -> list[Token]:
    """Tokenise the normalised text; offsets and ``text`` refer to the original."""
    tok = _sudachi()
    norm = nt.text
    original = nt.original
    identity = not nt.n_starts
    tokens: list[Token] = []
    append = tokens.append
    for c_start, c_end in _chunks(norm):
        for m in tok.tokenize(norm[c_start:c_end]):
            s = c_start + m.begin()
            e = c_start + m.end()
            if s == e:
                continue
            if not identity:
                s, e = nt.to_original(s, e)
                if tokens and s < tokens[-1].end:
                    # Several tokens inside one changed unit (㈱ → "(株)"): one token of the original.
                    prev = tokens.pop()
                    s, e = prev.start, max(e, prev.end)
                    append(Token(s, e, original[s:e], prev.norm + m.normalized_form(), prev.pos))
                    continue
            append(Token(s, e, original[s:e], m.normalized_form(), m.part_of_speech()[0]))
    return tokens


def tokenize(text: str | NormalizedText) -> list[Token]:
    """Tokenise ``text`` (normalising it first if it is a plain string)."""
    return tokenize_normalized(text if isinstance(text, NormalizedText) else normalize(text))


class SudachiSpacyTokenizer:
    """spaCy tokenizer: Sudachi mode C on the normalised text, norm_ set to the normalized form."""

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Any:
        from spacy.tokens import Doc

        tokens = tokenize(text)  # a partition of the text: whitespace is tokens of its own
        doc = Doc(self.vocab, words=[t.text for t in tokens], spaces=[False] * len(tokens))
        for spacy_token, t in zip(doc, tokens, strict=True):
            spacy_token.norm_ = t.norm
            spacy_token.tag_ = t.pos
        return doc

    def to_disk(self, path: Any, **kwargs: Any) -> None:  # pragma: no cover - nothing to save
        return None

    def from_disk(self, path: Any, **kwargs: Any) -> SudachiSpacyTokenizer:  # pragma: no cover
        return self


def _register() -> None:
    import spacy

    @spacy.registry.tokenizers("karte.SudachiTokenizer.v1")
    def create_tokenizer() -> Any:
        def make(nlp: Any) -> SudachiSpacyTokenizer:
            return SudachiSpacyTokenizer(nlp.vocab)

        return make


_registered = False


def blank_pipeline() -> Any:
    """A blank spaCy Japanese pipeline whose tokenizer is Karte's Sudachi mode-C tokenizer."""
    global _registered
    import spacy

    if not _registered:
        _register()
        _registered = True
    return spacy.blank("ja", config={"nlp": {"tokenizer": {"@tokenizers": "karte.SudachiTokenizer.v1"}}})
