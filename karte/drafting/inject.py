"""Fault injection for testing the faithfulness guard: wrong drugs, doses, dates, diagnoses, results.

:func:`inject_faults` takes a checked draft sentence and returns corrupted copies, each with one fact
replaced and the original citations kept, the way a model would slip: another drug or diagnosis (from
a pool such as the rest of the cohort), a dose or value with another number, a date a few days off.
A fault is *caught* when the guard reports an issue overlapping the replaced words.
"""

from __future__ import annotations

import calendar
import random
import re
from dataclasses import dataclass

from karte.drafting.lexicon import Lexicon
from karte.drafting.mentions import Mention, find_mentions, normalized
from karte.drafting.models import DraftSentence, SourceDocument

FAULT_KINDS = ("drug", "dose", "date", "diagnosis", "lab")


@dataclass(frozen=True)
class Fault:
    kind: str
    sentence: DraftSentence  # corrupted copy, citations unchanged
    start: int  # the replaced words in the corrupted text
    end: int
    original: str
    replacement: str


def _cited_text(sentence: DraftSentence, sources: dict[str, SourceDocument]) -> str:
    return "\n".join(
        normalized(sources[c.document].text[c.start : c.end])
        for c in sentence.citations
        if c.document in sources
    )


def _replace(sentence: DraftSentence, m: Mention, new: str, kind: str) -> Fault:
    text = sentence.text
    corrupted = text[: m.start] + new + text[m.end :]
    shift = len(new) - (m.end - m.start)
    labels = [(a + shift if a >= m.end else a, b + shift if b >= m.end else b) for a, b in sentence.labels]
    copy = sentence.model_copy(update={"text": corrupted, "issues": [], "supported": True, "labels": labels})
    return Fault(kind, copy, m.start, m.start + len(new), text[m.start : m.end], new)


def _other_number(number: str, rng: random.Random) -> str:
    value = float(number)
    factor = rng.choice((2, 3, 0.5, 10))
    new = value * factor if value else 5.0
    text = f"{new:g}" if "." in number or new != int(new) else str(int(new))
    return text if text != number else str(int(value) + 1)


def _shift_date(surface: str, key: tuple[object, ...], rng: random.Random) -> str | None:
    year, month, day = key
    if not isinstance(month, int) or not isinstance(day, int):
        return None
    last = calendar.monthrange(year if isinstance(year, int) else 2001, month)[1]
    new_day = (day - 1 + rng.choice((3, 5, 9))) % last + 1
    numbers = list(re.finditer(r"\d+", surface))
    if len(numbers) < 2:
        return None
    d = numbers[-1]
    return (
        surface[: d.start()]
        + (f"{new_day:02d}" if len(d.group()) == 2 else str(new_day))
        + surface[d.end() :]
    )


def _drug_key(name: str, lexicon: Lexicon) -> tuple[object, ...]:
    hit = next((h for h in lexicon.find(normalized(name)) if h.type == "medication"), None)
    return (hit.canonical,) if hit else (name,)


def inject_faults(
    sentence: DraftSentence,
    sources: dict[str, SourceDocument],
    lexicon: Lexicon,
    drugs: list[str],
    diseases: list[str],
    rng: random.Random,
) -> list[Fault]:
    """At most one fault of each kind for this sentence (where it states something of that kind)."""
    if sentence.placeholder or not sentence.citations:
        return []
    cited = _cited_text(sentence, sources)
    mentions = [
        m
        for m in find_mentions(sentence.text, lexicon)
        if not any(a <= m.start and m.end <= b for a, b in sentence.labels)
    ]
    out: list[Fault] = []
    for kind in FAULT_KINDS:
        wanted = {"diagnosis": ("disease",), "dose": ("dose", "value"), "lab": ("lab",)}.get(kind, (kind,))
        candidates = [m for m in mentions if m.kind in wanted]
        if not candidates:
            continue
        m = rng.choice(candidates)
        new: str | None
        if kind == "drug":
            pool = [d for d in drugs if normalized(d) not in cited and _drug_key(d, lexicon) != m.key]
            new = rng.choice(pool) if pool else None
        elif kind == "diagnosis":
            pool = [
                d
                for d in diseases
                if normalized(d) not in cited and d not in m.surface and m.surface not in d
            ]
            new = rng.choice(pool) if pool else None
        elif kind == "date":
            new = _shift_date(sentence.text[m.start : m.end], m.key, rng)
        else:
            surface = sentence.text[m.start : m.end]
            nums = list(re.finditer(r"\d+(?:\.\d+)?", normalized(surface)))
            if not nums:
                continue
            target = nums[-1] if kind == "lab" else nums[0]
            replacement = _other_number(target.group(), rng)
            norm = normalized(surface)
            new = norm[: target.start()] + replacement + norm[target.end() :]
        if new:
            out.append(_replace(sentence, m, new, kind))
    return out


def caught(fault: Fault, checked: DraftSentence) -> bool:
    """Whether the guard flagged the injected words (an issue overlapping them, or the whole sentence)."""
    return any(i.start < fault.end and fault.start < i.end for i in checked.issues)
