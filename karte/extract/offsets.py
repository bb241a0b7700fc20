"""Offsets between a note and its normalised text (the reverse of NormalizedText.to_original)."""

from __future__ import annotations

from karte.text import NormalizedText


def original_to_normalized(nt: NormalizedText) -> list[int]:
    """``m[o]`` = normalised offset of original offset ``o`` (a changed unit maps to its start)."""
    n = len(nt.original)
    mapping = [0] * (n + 1)
    o = 0
    shift = 0
    for o_start, o_end, n_start, n_end in nt.changes():
        while o < o_start:
            mapping[o] = o + shift
            o += 1
        while o < o_end:
            mapping[o] = n_start
            o += 1
        shift = n_end - o_end
    while o <= n:
        mapping[o] = o + shift
        o += 1
    return mapping
