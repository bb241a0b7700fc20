"""Benchmark text: the notes of the bundled synthetic cohort, repeated to the size asked for."""

from __future__ import annotations

import json

from karte.demo.run import cohort_path


def demo_notes() -> list[str]:
    notes: list[str] = []
    with cohort_path().open(encoding="utf-8") as fh:
        for line in fh:
            notes.extend(doc["text"] for doc in json.loads(line).get("documents", []))
    return notes


def notes_of_size(chars: int) -> list[str]:
    """Whole notes, cycled, until their total length reaches ``chars``."""
    base = demo_notes()
    out: list[str] = []
    total = 0
    i = 0
    while total < chars:
        note = base[i % len(base)]
        out.append(note)
        total += len(note)
        i += 1
    return out
