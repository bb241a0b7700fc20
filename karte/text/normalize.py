"""Normalisation of Japanese clinical text that keeps an offset map to the original.

Each *unit* of the original text (one character, or a base character with its combining or
half-width voiced marks, or a unit spelling such as ``ｍｇ／ｄｌ``) is normalised on its own:
Unicode NFKC (full-width digits and Latin, half-width kana, compatibility characters), then the
replacements in ``resources/ja/normalization.yaml`` (dash and tilde variants, unit spellings).
Characters that become exactly one other character (full-width digits, half-width kana without
voiced marks, dashes …) and unit spellings of unchanged length keep their offsets one to one;
only units whose length changes are recorded, so the map stays small and
:func:`normalize` runs at the speed of one regular-expression scan plus one translate.

For any span ``[a, b)`` of the normalised text whose ends are unit boundaries,
``normalize(original[o_a:o_b]).text == normalized[a:b]`` where ``o_a, o_b = to_original(a, b)``.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from karte.text.resources import load_yaml

_VOICED_MARKS = "\u3099\u309a\uff9e\uff9f"
_SUPPLEMENTARY_BLOCKS = ((0x1D400, 0x1D800), (0x1F100, 0x1F300), (0x2F800, 0x2FA20))


@dataclass(frozen=True)
class _Rules:
    pattern: re.Pattern[str]
    table: dict[int, str]
    char_map: dict[int, str]
    override: dict[str, str]
    units: dict[str, str]


def _class_of(chars: list[str]) -> str:
    return "".join(re.escape(c) for c in sorted(set(chars)))


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = load_yaml("ja", "normalization.yaml")
    char_map: dict[int, str] = {}
    for rule in data.get("chars", []):
        for ch in rule["from"]:
            char_map[ord(ch)] = rule["to"]
    override: dict[str, str] = dict(data.get("override", {}))
    units = {u["from"].lower(): u["to"] for u in data.get("units", [])}

    multi: list[str] = []  # characters whose normalised form is not exactly one character
    table: dict[int, str] = {}  # one character → one other character: str.translate, no map entry
    # Widths: chars whose NFKC form is a single ASCII character (full-width Latin and digits …).
    to_ascii: dict[str, list[str]] = {}
    ranges = [(0, 0x10000), *_SUPPLEMENTARY_BLOCKS]
    for lo, hi in ranges:
        for cp in range(lo, hi):
            if 0xD800 <= cp < 0xE000:
                continue
            ch = chr(cp)
            if not unicodedata.is_normalized("NFKC", ch):
                norm = unicodedata.normalize("NFKC", ch)
                if len(norm) == 1 and norm.isascii():
                    to_ascii.setdefault(norm.lower(), []).append(ch)
    rules = _Rules(re.compile(""), {}, char_map, override, units)
    for lo, hi in ranges:
        for cp in range(lo, hi):
            ch = chr(cp)
            if 0xD800 <= cp < 0xE000 or (unicodedata.is_normalized("NFKC", ch) and cp not in char_map):
                continue
            norm = _normalize_unit(ch, rules)
            if len(norm) == 1:
                if norm != ch:
                    table[cp] = norm
            else:
                multi.append(ch)
    multi.extend(ch for ch in override if len(override[ch]) != 1)

    def unit_regex(spelling: str) -> str:
        parts = []
        for ch in spelling:
            variants = [ch, ch.upper(), *to_ascii.get(ch.lower(), [])]
            if ch in "μ":
                variants.append("µ")
            parts.append(f"[{_class_of(variants)}]")
        return "".join(parts)

    unit_alts = "|".join(unit_regex(u) for u in sorted(units, key=len, reverse=True))
    letter = "A-Za-z\uff21-\uff3a\uff41-\uff5a"
    pattern = re.compile(
        rf"(?<![{letter}])(?:{unit_alts})(?![{letter}])"
        rf"|[\uff66-\uff9d][\uff9e\uff9f]"
        rf"|.[\u0300-\u036f{_VOICED_MARKS}]+"
        rf"|[{_class_of(multi)}]",
        re.DOTALL,
    )
    return _Rules(pattern=pattern, table=table, char_map=char_map, override=override, units=units)


def _normalize_unit(unit: str, rules: _Rules) -> str:
    if len(unit) == 1 and unit in rules.override:
        return rules.override[unit]
    norm = unicodedata.normalize("NFKC", unit).translate(rules.char_map)
    return rules.units.get(norm.lower(), norm)


@dataclass
class NormalizedText:
    """Normalised text with the map back to the original.

    ``n_starts[k], n_ends[k]`` and ``o_starts[k], o_ends[k]`` are the normalised and original
    extents of the k-th changed unit; everything between changed units maps one to one.
    """

    original: str
    text: str
    n_starts: list[int] = field(default_factory=list)
    n_ends: list[int] = field(default_factory=list)
    o_starts: list[int] = field(default_factory=list)
    o_ends: list[int] = field(default_factory=list)

    def _unit_before(self, j: int) -> int:
        return bisect_right(self.n_starts, j) - 1

    def to_original_start(self, j: int) -> int:
        """Original offset where the normalised character at ``j`` starts (``j`` may be ``len``)."""
        k = self._unit_before(j)
        if k < 0:
            return j
        if j < self.n_ends[k]:
            return self.o_starts[k]
        return j + self.o_ends[k] - self.n_ends[k]

    def to_original_end(self, j: int) -> int:
        """Original offset where a span ending (exclusively) at normalised ``j`` ends."""
        if j <= 0:
            return 0
        k = self._unit_before(j - 1)
        if k < 0:
            return j
        if j - 1 < self.n_ends[k]:
            return self.o_ends[k]
        return j + self.o_ends[k] - self.n_ends[k]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span to the smallest original span that covers it."""
        if end <= start:
            o = self.to_original_start(start)
            return o, o
        return self.to_original_start(start), self.to_original_end(end)

    def is_boundary(self, j: int) -> bool:
        """True if ``j`` does not fall strictly inside a changed unit."""
        k = self._unit_before(j)
        return k < 0 or j == self.n_starts[k] or j >= self.n_ends[k]

    def changes(self) -> Iterator[tuple[int, int, int, int]]:
        """Yield ``(orig_start, orig_end, norm_start, norm_end)`` for each changed unit."""
        yield from zip(self.o_starts, self.o_ends, self.n_starts, self.n_ends, strict=True)


def normalize(original: str) -> NormalizedText:
    """Normalise ``original`` (NFKC + Karte's replacements) and keep the offset map."""
    rules = _rules()
    pieces: list[str] = []
    result = NormalizedText(original=original, text="")
    prev = 0
    npos = 0
    table = rules.table
    for m in rules.pattern.finditer(original):
        unit = m.group()
        norm = _normalize_unit(unit, rules)
        if norm == unit:
            continue
        s, e = m.span()
        if s > prev:
            pieces.append(original[prev:s].translate(table))
            npos += s - prev
        pieces.append(norm)
        prev = e
        if len(norm) == len(unit):  # same length (a unit spelling): offsets map one to one
            npos += len(norm)
            continue
        result.n_starts.append(npos)
        npos += len(norm)
        result.n_ends.append(npos)
        result.o_starts.append(s)
        result.o_ends.append(e)
    pieces.append(original[prev:].translate(table))
    result.text = "".join(pieces)
    return result
