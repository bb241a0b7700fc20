"""Split a text into runs for highlighting: each run is plain or carries one mark (an entity, a heading).

Marks are offsets into the ORIGINAL text. Where marks overlap, the one that starts first wins
(on a tie the longer one); the others are kept out of the runs and reported as ``hidden``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field


class Mark(BaseModel):
    start: int
    end: int
    kind: str = Field(description="CSS class suffix: an entity type, or 'heading', 'pii' …")
    css: list[str] = Field(default_factory=list, description="More classes: cert-negative …")
    title: str = ""


class Run(BaseModel):
    text: str
    mark: Mark | None = None


class Highlighted(BaseModel):
    runs: list[Run]
    hidden: list[Mark] = Field(default_factory=list)


def highlight(text: str, marks: Sequence[Mark]) -> Highlighted:
    """The runs of ``text`` with ``marks``; invalid marks (outside the text, empty) go to ``hidden``."""
    runs: list[Run] = []
    hidden: list[Mark] = []
    position = 0
    for mark in sorted(marks, key=lambda m: (m.start, -(m.end - m.start))):
        if not 0 <= mark.start < mark.end <= len(text) or mark.start < position:
            hidden.append(mark)
            continue
        if mark.start > position:
            runs.append(Run(text=text[position : mark.start]))
        runs.append(Run(text=text[mark.start : mark.end], mark=mark))
        position = mark.end
    if position < len(text) or not runs:
        runs.append(Run(text=text[position:]))
    return Highlighted(runs=runs, hidden=hidden)
