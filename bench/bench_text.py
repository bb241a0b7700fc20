"""Text layer vs bare SudachiPy on the same 1 MB of notes (target: ratio ≥ 0.30)."""

from __future__ import annotations

import time
from collections.abc import Callable

from sudachipy import Dictionary, SplitMode

from bench.corpus import notes_of_size
from karte.text import analyze, normalize, sectionize, split_sentences

REPEATS = 3


def _best(func: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    notes = notes_of_size(1_000_000)
    chars = sum(len(n) for n in notes)
    sudachi = Dictionary().tokenizer(mode=SplitMode.C)

    def bare() -> None:
        # The same work a caller of SudachiPy needs: surface, normalised form and offsets per token.
        for note in notes:
            for m in sudachi.tokenize(note):
                m.surface(), m.normalized_form(), m.begin(), m.end()

    def normalize_only() -> None:
        for note in notes:
            normalize(note)

    def structure() -> None:
        for note in notes:
            nt = normalize(note)
            split_sentences(nt, sectionize(nt))

    def full() -> None:
        for note in notes:
            analyze(note)

    t_bare = _best(bare)
    rows = [
        ("SudachiPy mode C (bare)", t_bare),
        ("karte normalize", _best(normalize_only)),
        ("karte normalize+sections+sentences", _best(structure)),
        ("karte text layer (+ tokens)", _best(full)),
    ]
    print(f"\n== text layer: {len(notes)} notes, {chars:,} characters (best of {REPEATS}) ==")
    for label, seconds in rows:
        print(f"{label:40s} {chars / seconds:>12,.0f} chars/s")
    ratio = t_bare / rows[-1][1]
    print(f"ratio text layer / bare SudachiPy: {ratio:.2f} (target >= 0.30)")


if __name__ == "__main__":
    main()
