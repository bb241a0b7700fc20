"""Dates written in notes ("2024年5月9日：…", "採血日時：2025/06/05", "令和6年5月9日") with their offsets."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from karte.screening.resources import load_resource
from karte.text import normalize


@dataclass(frozen=True, slots=True)
class FoundDate:
    start: int  # ORIGINAL offsets
    end: int
    date: dt.date


@lru_cache(maxsize=2)
def _rules(lang: str = "ja") -> tuple[list[re.Pattern[str]], dict[str, int]]:
    data = load_resource(lang, "note_rules.yaml")["dates"]
    return [re.compile(p) for p in data["patterns"]], {str(k): int(v) for k, v in data["eras"].items()}


def find_dates(text: str) -> list[FoundDate]:
    """Every full date (year, month, day) in ``text``, in order; impossible dates are skipped."""
    nt = normalize(text)
    patterns, eras = _rules()
    found: dict[tuple[int, int], FoundDate] = {}
    for pattern in patterns:
        for m in pattern.finditer(nt.text):
            groups = m.groupdict()
            try:
                if groups.get("era"):
                    ey = groups["ey"]
                    year = eras[groups["era"]] + (1 if ey == "元" else int(ey))
                else:
                    year = int(groups["y"])
                date = dt.date(year, int(groups["m"]), int(groups["d"]))
            except (ValueError, KeyError):
                continue
            start, end = nt.to_original(m.start(), m.end())
            if not any(s <= start < e or start <= s < end for s, e in found):
                found[(start, end)] = FoundDate(start, end, date)
    return sorted(found.values(), key=lambda d: d.start)


def date_before(dates: list[FoundDate], text: str, offset: int) -> dt.date | None:
    """The date a statement at ``offset`` is dated by: the last date earlier on the same line."""
    line_start = text.rfind("\n", 0, offset) + 1
    best: dt.date | None = None
    for d in dates:
        if line_start <= d.start < offset:
            best = d.date
        elif d.start >= offset:
            break
    return best
