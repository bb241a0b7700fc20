"""ConText-style attribute rules: certainty (and history, family) of findings, state of treatments.

Rules are data (``resources/ja/context_rules.yaml``, ``resources/ja/state_rules.yaml``). A note is
scanned once for every trigger and terminator phrase (Aho–Corasick, longest match wins so that a
pseudo-trigger such as 否定できない shadows the 否定 and ない inside it). For one finding, a
backward trigger applies when it follows the finding with no terminator between them (a sentence
end, a section boundary, が、, しかし …), a forward trigger when it precedes the finding likewise;
``max_gap`` limits the distance. The nearest applicable trigger of each attribute wins.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ahocorasick

from karte.extract.resources import load_resource
from karte.text import normalize

_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
TERMINATOR = "terminator"
PSEUDO = "pseudo"


@dataclass(frozen=True, slots=True)
class Rule:
    phrase: str
    category: str  # an attribute value category, PSEUDO or TERMINATOR
    direction: str  # backward | forward | both
    max_gap: int | None = None
    value: str | None = None  # for pseudo rules that carry a value (否定できない → suspicious)

    @property
    def effective(self) -> str | None:
        """The category this phrase stands for (None for a pure pseudo-trigger)."""
        if self.category == PSEUDO:
            return self.value
        return self.category


@dataclass(frozen=True, slots=True)
class Trigger:
    start: int  # normalised offsets
    end: int
    rule: Rule


class ContextRules:
    """Trigger and terminator phrases of one rule file, compiled into one automaton."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self._automaton = ahocorasick.Automaton()
        seen: set[str] = set()
        rules: list[Rule] = []
        for row in data.get("rules", []):
            rules.append(
                Rule(
                    phrase=str(row["phrase"]),
                    category=str(row["category"]),
                    direction=str(row.get("direction", "backward")),
                    max_gap=row.get("max_gap"),
                    value=row.get("as"),
                )
            )
        for row in data.get("terminators", []):
            rules.append(Rule(phrase=str(row["phrase"]), category=TERMINATOR, direction="both"))
        for rule in rules:
            key = normalize(rule.phrase).text.translate(_ASCII_LOWER)
            if key in seen:
                raise ValueError(f"duplicate context phrase {rule.phrase!r}")
            seen.add(key)
            self._automaton.add_word(key, (len(key), rule))
        self._automaton.make_automaton()
        self.sections: dict[str, dict[str, Any]] = dict(data.get("sections") or {})

    def scan(self, norm: str) -> NoteTriggers:
        """Every trigger and terminator in a normalised note (longest, then leftmost, wins)."""
        found: list[tuple[int, int, Rule]] = []
        for end_index, (length, rule) in self._automaton.iter(norm.translate(_ASCII_LOWER)):
            found.append((end_index + 1 - length, end_index + 1, rule))
        found.sort(key=lambda m: (m[0] - m[1], m[0]))
        taken = bytearray(len(norm) + 1)
        kept: list[Trigger] = []
        for s, e, rule in found:
            if any(taken[s:e]):
                continue
            taken[s:e] = b"\x01" * (e - s)
            kept.append(Trigger(s, e, rule))
        kept.sort(key=lambda t: t.start)
        return NoteTriggers(kept, norm)


class NoteTriggers:
    """The triggers of one note, with the scope logic."""

    def __init__(self, triggers: list[Trigger], text: str = "") -> None:
        self.triggers = triggers
        self.text = text  # the normalised note
        self.starts = [t.start for t in triggers]
        self.terminator_starts = [t.start for t in triggers if t.rule.category == TERMINATOR]
        self.boundaries: list[int] = []  # extra hard boundaries (section starts), set by the caller

    def add_boundaries(self, offsets: list[int]) -> None:
        self.boundaries = sorted(offsets)

    def _blocked(self, lo: int, hi: int) -> bool:
        """Whether a terminator or boundary lies in [lo, hi)."""
        for arr in (self.terminator_starts, self.boundaries):
            k = bisect_left(arr, lo)
            if k < len(arr) and arr[k] < hi:
                return True
        return False

    def applicable(self, start: int, end: int, categories: frozenset[str]) -> dict[str, tuple[int, Trigger]]:
        """For a finding at [start, end): the nearest applicable trigger per category, with its distance."""
        best: dict[str, tuple[int, Trigger]] = {}

        def offer(trigger: Trigger, distance: int) -> None:
            category = trigger.rule.effective
            if category is None or category not in categories:
                return
            gap = trigger.rule.max_gap
            if gap is not None and distance > gap:
                return
            current = best.get(category)
            if current is None or distance < current[0]:
                best[category] = (distance, trigger)

        after = bisect_left(self.starts, end)
        for t in self.triggers[after:]:  # backward-looking triggers after the finding
            if t.rule.category == TERMINATOR or self._blocked(end, t.start):
                break
            if t.rule.direction in ("backward", "both"):
                offer(t, t.start - end)
        before = bisect_right(self.starts, start) - 1
        for k in range(before, -1, -1):  # forward-looking triggers before the finding
            t = self.triggers[k]
            if t.end > start:
                continue  # inside or overlapping the finding
            if t.rule.category == TERMINATOR or self._blocked(t.end, start):
                break
            if t.rule.direction in ("forward", "both"):
                offer(t, start - t.end)
        return best

    def nearest(self, start: int, end: int, categories: frozenset[str]) -> Trigger | None:
        """The nearest applicable trigger of any of ``categories`` (ties: the one after the finding)."""
        best = self.applicable(start, end, categories)
        if not best:
            return None
        return min(best.values(), key=lambda dt: (dt[0], -dt[1].start))[1]


@lru_cache(maxsize=4)
def context_rules(lang: str = "ja", name: str = "context_rules.yaml") -> ContextRules:
    return ContextRules(load_resource(lang, name))
