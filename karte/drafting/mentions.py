"""What the faithfulness guard checks in a sentence: diseases, drugs, doses, values, lab results, dates.

:func:`find_mentions` reads any text (a draft sentence or a cited source span) and returns comparable
mentions with offsets into that text: diseases (with their certainty from Karte's ConText rules:
``肺炎は否定的`` is a negated 肺炎), drugs, lab items with their value (``LDL 147``), amounts with a unit
(doses ``100mg``, values ``37.0℃``), frequencies (``1日2回``) and dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from karte.drafting.lexicon import Lexicon
from karte.drafting.values import find_amounts, find_dates, first_number_after
from karte.text import normalize

MentionKind = str  # disease | drug | lab | dose | value | frequency | date
_CERTAINTY_CATEGORIES = frozenset({"negative", "suspicious"})


@dataclass(frozen=True)
class Mention:
    kind: MentionKind
    key: tuple[object, ...]
    start: int  # offsets in the text given to find_mentions
    end: int
    surface: str  # the normalised words (for substring support checks)
    certainty: str | None = None  # diseases: positive | negative | suspicious


@lru_cache(maxsize=1)
def _rules():  # type: ignore[no-untyped-def]
    from karte.extract.context import context_rules

    return context_rules()


def find_mentions(text: str, lexicon: Lexicon, boundaries: list[int] = ()) -> list[Mention]:  # type: ignore[assignment]
    """Mentions of ``text``; ``boundaries`` (offsets in ``text``) end the scope of negation cues."""
    nt = normalize(text)
    norm = nt.text
    triggers = _rules().scan(norm)
    if boundaries:
        triggers.add_boundaries(sorted({len(normalize(text[:b]).text) for b in boundaries}))
    found: list[tuple[str, tuple[object, ...], int, int, str | None]] = []
    for hit in lexicon.find(norm):
        if hit.type == "disease":
            trigger = triggers.nearest(hit.start, hit.end, _CERTAINTY_CATEGORIES)
            certainty = trigger.rule.effective if trigger is not None else "positive"
            found.append(("disease", (hit.canonical,), hit.start, hit.end, certainty))
        elif hit.type == "medication":
            found.append(("drug", (hit.canonical,), hit.start, hit.end, None))
        else:
            number = first_number_after(norm, hit.end)
            if number is not None:
                found.append(("lab", (hit.canonical, number[0]), hit.start, number[2], None))
    for f in find_amounts(norm):
        found.append((f.kind, f.key, f.start, f.end, None))
    for f in find_dates(norm):
        found.append(("date", f.key, f.start, f.end, None))
    out = []
    for kind, key, start, end, certainty in sorted(found, key=lambda x: (x[2], x[3])):
        o_start, o_end = nt.to_original(start, end)
        out.append(Mention(kind, key, o_start, o_end, norm[start:end], certainty))
    return out


def normalized(text: str) -> str:
    return normalize(text).text


def certainty_at(norm: str, start: int, end: int) -> str:
    """The certainty (positive | negative | suspicious) of the finding at ``[start, end)`` of ``norm``."""
    trigger = _rules().scan(norm).nearest(start, end, _CERTAINTY_CATEGORIES)
    return str(trigger.rule.effective) if trigger is not None else "positive"
