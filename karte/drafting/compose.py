"""Building draft sentences from facts: the text and the citations travel together.

A sentence either copies a fact's source text (``verbatim``) or joins fact texts with fixed labels
(``主病名: ``, ``入院日: ``) and dates written from the facts' own dates; every fact used adds its
citations, and a date written into the text adds the citation where that date stands in the sources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from karte.drafting.models import Citation, DraftSection, DraftSentence, Fact
from karte.drafting.plans import SectionPlan


def ja_date(day: dt.date, *, year: bool = True) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if year else f"{day.month}月{day.day}日"


def _merge(citations: Iterable[Citation]) -> list[Citation]:
    out: list[Citation] = []
    for c in citations:
        if c not in out:
            out.append(c)
    return out


def verbatim(fact: Fact, *, prefix: str = "", dated: bool = False, year: bool = True) -> DraftSentence:
    """The fact's text as written, after an optional label and its date (``6月3日: …``)."""
    cites = list(fact.citations)
    head = prefix
    if dated and fact.date is not None and fact.date_citation is not None:
        head = f"{head}{ja_date(fact.date, year=year)}: "
        cites.append(fact.date_citation)
    labels = [(0, len(prefix))] if prefix else []
    return DraftSentence(text=head + fact.text, citations=_merge(cites), facts=[fact.id], labels=labels)


def joined(parts: list[tuple[str, Fact | None]], *, dates: Iterable[Fact] = ()) -> DraftSentence:
    """Text pieces in order: ``(text, fact)`` states (part of) the fact and cites it; ``(text, None)`` is
    fixed wording of the code (a label, a verified code), which the guard does not check. A date written
    from a fact's date is a ``(date, fact)`` piece, and that fact goes in ``dates`` so that the span where
    the date is written is cited."""
    cites: list[Citation] = []
    ids: list[str] = []
    labels: list[tuple[int, int]] = []
    at = 0
    for text, fact in parts:
        if fact is not None:
            cites.extend(fact.citations)
            if fact.id not in ids:
                ids.append(fact.id)
        elif text:
            labels.append((at, at + len(text)))
        at += len(text)
    for fact in dates:
        if fact.date_citation is not None:
            cites.append(fact.date_citation)
    return DraftSentence(text="".join(t for t, _ in parts), citations=_merge(cites), facts=ids, labels=labels)


def placeholder(text: str) -> DraftSentence:
    return DraftSentence(text=text, placeholder=True, supported=True)


def section_of(plan: SectionPlan, sentences: list[DraftSentence]) -> DraftSection:
    """A section from its sentences (at most ``plan.max``); the plan's gap text when there are none."""
    unique: list[DraftSentence] = []
    for s in sentences:
        if all(s.text != u.text for u in unique):
            unique.append(s)
    kept = unique[: plan.max]
    if not kept:
        kept = [placeholder(plan.empty)]
    return finish_section(plan, kept)


def finish_section(plan: SectionPlan, sentences: list[DraftSentence]) -> DraftSection:
    cites = _merge(c for s in sentences for c in s.citations)
    backed = [s for s in sentences if not s.placeholder and s.citations]
    return DraftSection(
        code=plan.code,
        title=plan.title,
        text="\n".join(s.text for s in sentences),
        citations=cites,
        sentences=sentences,
        required=plan.required,
        missing=not backed,
        fhir_code=plan.fhir.code,
    )
