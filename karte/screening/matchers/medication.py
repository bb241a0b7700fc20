"""Treatment criteria: drug classes or drugs, taken now, ever, or only in the past.

Medication records are read on the screening date (started on or before it; ``active`` with no end
or an end after it is current; ``completed``/``stopped`` or an end before it is past). A note's
drug is current when it is in the note's medication list or said to continue, past when stopped or
listed in the history, denied when the note says it is not used, planned when only considered, and
"mentioned" (taken at some time) otherwise; a note's current drug is current as of the note's date.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from karte.screening.evidence import DrugFact
from karte.screening.matchers.base import (
    NOTE,
    NOTE_HISTORY,
    RECORD,
    UNDECIDED,
    MatchContext,
    not_after,
    outcome,
)
from karte.screening.models import CheckOutcome, EvidenceItem, MedicationCheck
from karte.screening.vocab import drug_table

Reading = Literal["current", "past", "mentioned", "denied", "planned", "ignored"]
_STOPPED = {"completed", "stopped", "entered-in-error", "not-taken", "cancelled", "inactive"}
_LABEL = {
    "current": "使用中",
    "past": "使用歴",
    "mentioned": "記載あり",
    "denied": "使用なし",
    "planned": "予定",
}
STALE_NOTE_DAYS = 365  # a note's medication list older than this says little about today


def _ended_after(fact: DrugFact, records: list[DrugFact]) -> bool:
    """A record of the same treatment that ended after the note was written supersedes the note."""
    table = drug_table()
    return fact.date is not None and any(
        r.end is not None and r.end >= fact.date and table.related(r.ref, fact.ref) for r in records
    )


def _reading(
    fact: DrugFact, ctx: MatchContext, within: int | None, records: list[DrugFact]
) -> tuple[Reading, float]:
    d = ctx.screening_date
    if fact.source == "record":
        if fact.start is not None and fact.start > d:
            return "ignored", 0.0
        if within is not None and fact.end is not None and ctx.days_before(fact.end) > within:
            return "ignored", 0.0
        status = (fact.status or "").lower()
        if status in _STOPPED or (fact.end is not None and fact.end < d):
            return "past", RECORD
        return "current", RECORD
    if not not_after(fact.date, ctx):
        return "ignored", 0.0
    if within is not None and fact.date is not None and ctx.days_before(fact.date) > within:
        return "ignored", 0.0
    state = fact.state or "mentioned"
    if state == "negated":
        return "denied", NOTE
    if state == "scheduled":
        return "planned", NOTE
    if state == "current" and _ended_after(fact, records):
        return "past", RECORD
    if state == "current":
        stale = fact.date is not None and ctx.days_before(fact.date) > STALE_NOTE_DAYS
        return "current", NOTE_HISTORY if stale or fact.date is None else NOTE
    if state == "past":
        return "past", NOTE
    return "mentioned", NOTE_HISTORY


def match_medication(check: MedicationCheck, ctx: MatchContext) -> CheckOutcome:
    table = drug_table()
    by: dict[Reading, list[tuple[DrugFact, float]]] = defaultdict(list)
    matching = [f for f in ctx.evidence.drugs if table.matches(f.ref, check.classes, check.drugs)]
    records = [f for f in matching if f.source == "record"]
    for fact in matching:
        reading, score = _reading(fact, ctx, check.within_days, records)
        if reading != "ignored":
            by[reading].append((fact, score))
    names = [table.classes[c].name for c in check.classes if c in table.classes] + check.drugs
    window = f"、{check.within_days}日以内" if check.within_days else ""
    summary = "、".join(f"{_LABEL[r]} {len(v)}件" for r, v in by.items() if v) or "該当なし"
    head = f"「{check.label}」({'・'.join(names)}; {check.timing}{window}): {summary}"

    def best(*readings: Reading) -> tuple[float, list[EvidenceItem]]:
        facts = [f for r in readings for f in by.get(r, [])]
        facts.sort(
            key=lambda f: (
                f[0].source != "record",
                -(f[0].date or f[0].start or ctx.screening_date).toordinal(),
            )
        )
        return max((s for _, s in facts), default=0.0), [f.evidence for f, _ in facts]

    if check.timing == "current":
        if by.get("current"):
            score, ev = best("current")
            return outcome("met", score, f"{head} → 使用中 (taken now)", ev)
        if by.get("mentioned") or by.get("planned"):
            _, ev = best("mentioned", "planned")
            return outcome("unknown", UNDECIDED, f"{head} → 現在使用中か不明 (timing unclear)", ev)
        if by.get("past") or by.get("denied"):
            score, ev = best("past", "denied")
            return outcome("not_met", score, f"{head} → 現在は使用していない (not taken now)", ev)
    elif check.timing == "ever":
        if by.get("current") or by.get("past") or by.get("mentioned"):
            score, ev = best("current", "past", "mentioned")
            return outcome("met", score, f"{head} → 使用歴あり (taken at some time)", ev)
        if by.get("planned"):
            _, ev = best("planned")
            return outcome("unknown", UNDECIDED, f"{head} → 予定のみ (only planned)", ev)
        if by.get("denied"):
            score, ev = best("denied")
            return outcome("not_met", score, f"{head} → 使用なし (not used)", ev)
    else:  # past only
        if by.get("current"):
            score, ev = best("current")
            return outcome("not_met", score, f"{head} → 現在も使用中 (still taken)", ev)
        if by.get("past"):
            score, ev = best("past")
            return outcome("met", score, f"{head} → 過去に使用 (taken before)", ev)
        if by.get("mentioned"):
            _, ev = best("mentioned")
            return outcome("unknown", UNDECIDED, f"{head} → 時期不明 (timing unclear)", ev)
    return outcome("not_met", ctx.absence_score, f"{head} → {ctx.absence_where()}")
