"""Character features for the NER model.

The model tags each character of the NORMALISED note (BIO labels over the Karte entity types).
Each character gets: itself and its neighbours (window ±2, bigrams, one trigram), character classes,
the Sudachi mode-C token it lies in (position in the token, part of speech, surface of the token and
its neighbours), the dictionary labels of the longest dictionary match of each type covering it, and
the shape of the katakana or ASCII word it lies in (its last two characters; whether it ends with a
drug-name stem, :mod:`karte.extract.drug_stems`).

Wider windows, character trigrams, a third part-of-speech level, neighbouring parts of speech and
Sudachi's normalised form were tried: equal within noise in 3-fold cross-validation on the train
split, and 25 % slower, so they are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from karte.extract.dictionary import DictMatch, longest_per_type
from karte.extract.drug_stems import word_shapes
from karte.text.tokens import _chunks, _sudachi

DICTIONARY_TYPES = ("disease", "anatomy", "medication", "test", "test_key", "remedy")
_MAX_TOKEN_FEATURE = 8
_PAD = "_"


@dataclass(slots=True)
class SudachiToken:
    start: int  # normalised offsets
    end: int
    pos: str  # two levels: 名詞-普通名詞


def sudachi_tokens(norm: str) -> list[SudachiToken]:
    """Sudachi mode-C tokens of the normalised text, with normalised offsets."""
    tok = _sudachi()
    out: list[SudachiToken] = []
    for c_start, c_end in _chunks(norm):
        for m in tok.tokenize(norm[c_start:c_end]):
            s, e = c_start + m.begin(), c_start + m.end()
            if s < e:
                pos = m.part_of_speech()
                out.append(SudachiToken(s, e, f"{pos[0]}-{pos[1]}"))
    return out


@lru_cache(maxsize=65536)
def char_class(ch: str) -> str:
    """K kanji, H hiragana, T katakana, U/L ASCII upper/lower, D digit, G Greek, W space, S other."""
    o = ord(ch)
    if 0x3041 <= o <= 0x309F:
        return "H"
    if 0x30A0 <= o <= 0x30FF or ch == "ー":
        return "T"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or ch in "々〆ヶ":
        return "K"
    if ch.isascii():
        if ch.isdigit():
            return "D"
        if ch.isupper():
            return "U"
        if ch.islower():
            return "L"
        return "W" if ch.isspace() else "S"
    if 0x0370 <= o <= 0x03FF:
        return "G"
    if ch.isspace():
        return "W"
    if ch.isdigit():
        return "D"
    return "S"


def _dictionary_labels(n: int, matches: list[DictMatch]) -> list[list[str]]:
    labels: list[list[str]] = [[] for _ in range(n)]
    for type_ in DICTIONARY_TYPES:
        for m in longest_per_type(matches, type_):
            labels[m.start].append(f"d:{type_}=B")
            for i in range(m.start + 1, m.end):
                labels[i].append(f"d:{type_}=I")
            if m.end < n:
                labels[m.end].append(f"d:{type_}=after")
            if m.start > 0:
                labels[m.start - 1].append(f"d:{type_}=before")
    return labels


def char_features(norm: str, tokens: Sequence[SudachiToken], matches: list[DictMatch]) -> list[list[str]]:
    """One feature list per character of ``norm``."""
    n = len(norm)
    chars = [_PAD, _PAD, *norm.replace("\n", "⏎"), _PAD, _PAD]
    classes = [_PAD, _PAD, *(char_class(c) for c in norm), _PAD, _PAD]
    tok_pos = ["S"] * n
    tok_tag = ["_"] * n
    tok_word = [""] * n
    tok_prev = [""] * n
    tok_next = [""] * n
    tok_affix = [""] * n
    words = [norm[t.start : t.end] for t in tokens]
    for k, t in enumerate(tokens):
        word = words[k] if t.end - t.start <= _MAX_TOKEN_FEATURE else "<long>"
        prev = words[k - 1] if k > 0 else "<s>"
        nxt = words[k + 1] if k + 1 < len(tokens) else "</s>"
        full = words[k]
        affix = f"{full[:2]}|{full[-2:]}" if len(full) >= 3 else ""
        for i in range(t.start, t.end):
            tok_pos[i] = "B" if i == t.start else ("E" if i == t.end - 1 else "I")
            tok_tag[i] = t.pos
            tok_word[i] = word
            tok_prev[i] = prev
            tok_next[i] = nxt
            tok_affix[i] = affix
        if t.end - t.start == 1:
            tok_pos[t.start] = "S"
    dict_labels = _dictionary_labels(n, matches)
    for shape in word_shapes(norm):
        for i in range(shape.start, shape.end):
            dict_labels[i].append(shape.suffix)
            if shape.stem:
                dict_labels[i].append("stem=B" if i == shape.start else "stem=I")
        if shape.stem and shape.end < n:
            dict_labels[shape.end].append("stem=after")
    out: list[list[str]] = []
    for i in range(n):
        j = i + 2
        c, cp, cn, cpp, cnn = chars[j], chars[j - 1], chars[j + 1], chars[j - 2], chars[j + 2]
        k0, kp, kn = classes[j], classes[j - 1], classes[j + 1]
        feats = [
            "bias",
            "c=" + c,
            "c-1=" + cp,
            "c+1=" + cn,
            "c-2=" + cpp,
            "c+2=" + cnn,
            "c-1c=" + cp + c,
            "cc+1=" + c + cn,
            "c-2c-1=" + cpp + cp,
            "c+1c+2=" + cn + cnn,
            "c-1cc+1=" + cp + c + cn,
            "t=" + k0,
            "t-1t=" + kp + k0,
            "tt+1=" + k0 + kn,
            "t-2..2=" + classes[j - 2] + kp + k0 + kn + classes[j + 2],
            "tp=" + tok_pos[i],
            "tp|pos=" + tok_pos[i] + tok_tag[i],
            "w=" + tok_word[i],
            "w-1=" + tok_prev[i],
            "w+1=" + tok_next[i],
            "tp|c=" + tok_pos[i] + c,
        ]
        if tok_affix[i]:
            feats.append("tpre=" + tok_affix[i].split("|")[0])
            feats.append("tsuf=" + tok_affix[i].split("|")[1])
        feats.extend(dict_labels[i])
        out.append(feats)
    return out
