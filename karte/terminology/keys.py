"""Matching keys: the spelling under which terms and phrases are compared, with offsets kept.

``key(text)`` applies Karte's text normalisation (NFKC: half-width kana, full-width Latin and
digits …), lower-cases Latin letters, writes katakana as hiragana, unifies a few kanji variants
and long-vowel marks, and drops spaces and middle dots. :class:`Keyed` keeps, for every key
character, the offset of the original character it came from, so that a match found in the key
becomes a span of the ORIGINAL text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from karte.text import normalize

_DROP = frozenset(" \t\r\n\u3000・･,，、\"'`")
_KATA_START, _KATA_END = 0x30A1, 0x30F6  # ァ … ヶ
_KANA_OFFSET = 0x60
# Variant characters that mean the same in disease names (kept to one-to-one replacements).
_CHAR_VARIANTS = str.maketrans(
    {"ｰ": "ー", "―": "ー", "─": "ー", "〜": "~", "鬱": "うつ", "欝": "うつ", "頚": "頸"}
)


def _key_char(ch: str) -> str:
    cp = ord(ch)
    if _KATA_START <= cp <= _KATA_END:
        return chr(cp - _KANA_OFFSET)
    if "A" <= ch <= "Z":
        return ch.lower()
    return ch.translate(_CHAR_VARIANTS)


@dataclass(frozen=True)
class Keyed:
    """A phrase's key and, for each key character, its ``[start, end)`` in the original text."""

    original: str
    key: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original span covering key characters ``[start, end)``."""
        if end <= start or not self.key:
            return (0, 0)
        return self.starts[start], self.ends[end - 1]


def keyed(text: str) -> Keyed:
    """The matching key of ``text`` with its offset map."""
    nt = normalize(text)
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for j, ch in enumerate(nt.text):
        if ch in _DROP:
            continue
        out = _key_char(ch)
        o_start, o_end = nt.to_original(j, j + 1)
        for piece in out:
            chars.append(piece)
            starts.append(o_start)
            ends.append(o_end)
    return Keyed(text, "".join(chars), tuple(starts), tuple(ends))


@lru_cache(maxsize=200_000)
def key(text: str) -> str:
    """The matching key of ``text`` (cached; used for dictionary terms)."""
    nt = normalize(text).text
    return "".join(_key_char(ch) for ch in nt if ch not in _DROP)


def to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - _KANA_OFFSET) if _KATA_START <= ord(c) <= _KATA_END else c for c in text)


def is_ascii_word(text: str) -> bool:
    return bool(text) and all(c.isascii() and (c.isalnum() or c in "-+/.") for c in text)
