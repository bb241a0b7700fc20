"""Diagnosis criteria: an ICD-10 code set against coded conditions and disease names in notes.

Each matching fact gets one reading on the screening date:

* ``current`` — an active recorded condition; a note stating the disease plainly, or listing it under
  past history without marking it resolved (charts list chronic diseases there);
* ``history`` — a note that states it as past ("既往", "術後") without saying it is over;
* ``past`` — a resolved recorded condition, or a note that marks it resolved ("治癒", "寛解");
* ``denied`` ("心不全なし"), ``suspected`` ("疑い"), ``family`` ("母：…") — not the patient's disease;
* ``broader`` — the note names only the group ("糖尿病" for 2型糖尿病): cannot decide.

Then ``current`` criteria are met by current facts, ``ever`` criteria by current, history or past
facts, ``past`` criteria by past or history facts with no current one. A positive fact outweighs a
denial (with lower confidence); nothing at all means not met, with the confidence of absence.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from karte.screening.code_sets import CodeSet
from karte.screening.evidence import DiseaseFact
from karte.screening.matchers.base import (
    CONFLICT,
    NOTE,
    NOTE_HISTORY,
    RECORD,
    UNDECIDED,
    MatchContext,
    not_after,
    outcome,
)
from karte.screening.models import CheckOutcome, DiagnosisCheck, EvidenceItem
from karte.screening.vocab import disease_vocabulary

Reading = Literal["current", "history", "past", "denied", "suspected", "family", "broader", "ignored"]
_ACTIVE = {None, "", "active", "recurrence", "relapse", "unconfirmed"}
_LABEL = {
    "current": "現在の病名",
    "history": "既往",
    "past": "治癒・寛解",
    "denied": "否定",
    "suspected": "疑い",
    "family": "家族歴",
    "broader": "より広い病名",
}


def _reading(fact: DiseaseFact, ctx: MatchContext) -> tuple[Reading, float]:
    if fact.source == "record":
        if fact.date is not None and fact.date > ctx.screening_date:
            return "ignored", 0.0
        status = (fact.clinical_status or "").lower()
        if status in _ACTIVE and (fact.abatement is None or fact.abatement > ctx.screening_date):
            return "current", RECORD
        return "past", RECORD
    a = fact.attrs
    if a is None or not not_after(fact.date, ctx):
        return "ignored", 0.0
    if a.family:
        return "family", NOTE_HISTORY
    if a.certainty == "general":
        return "ignored", 0.0
    if a.certainty == "negative":
        return "denied", NOTE
    if a.certainty == "suspicious":
        return "suspected", NOTE
    if a.resolved:
        return "past", NOTE
    if a.history_trigger:
        return "history", NOTE
    return "current", NOTE_HISTORY if a.historical else NOTE


def _newest_first(facts: list[tuple[DiseaseFact, float]]) -> list[EvidenceItem]:
    ordered = sorted(
        facts, key=lambda f: (f[0].source != "record", -(f[0].date.toordinal() if f[0].date else 0))
    )
    return [f.evidence for f, _ in ordered]


def match_diagnosis(check: DiagnosisCheck, ctx: MatchContext) -> CheckOutcome:
    code_set = CodeSet.of(check.codes, check.exclude_codes)
    vocab = disease_vocabulary()
    by_reading: dict[Reading, list[tuple[DiseaseFact, float]]] = defaultdict(list)
    for fact in ctx.evidence.diseases:
        if code_set.any_of(fact.codes):
            reading, score = _reading(fact, ctx)
            by_reading[reading].append((fact, score))
        elif fact.source == "note" and fact.attrs is not None and fact.attrs.certainty == "positive":
            if not fact.attrs.family and vocab.broader_group(fact.label, check.codes) is not None:
                by_reading["broader"].append((fact, UNDECIDED))
    codes = ", ".join(check.codes) + (
        f" (除く {', '.join(check.exclude_codes)})" if check.exclude_codes else ""
    )
    found = {r: len(v) for r, v in by_reading.items() if r != "ignored" and v}
    summary = "、".join(f"{_LABEL[r]} {n}件" for r, n in found.items()) or "該当なし"
    head = f"「{check.label}」({codes}): {summary}"

    def best(*readings: Reading) -> tuple[float, list[EvidenceItem]]:
        facts = [f for r in readings for f in by_reading.get(r, [])]
        return max((s for _, s in facts), default=0.0), _newest_first(facts)

    positive: tuple[Reading, ...]
    if check.status == "current":
        positive = ("current",)
    elif check.status == "ever":
        positive = ("current", "history", "past")
    else:
        positive = ("past", "history")
    score, evidence = best(*positive)
    if check.status == "past" and by_reading.get("current"):
        cur_score, cur_ev = best("current")
        return outcome("not_met", cur_score, f"{head} → 現在も該当 (still current)", cur_ev)
    if evidence:
        if by_reading.get("denied"):
            _, denied = best("denied")
            return outcome(
                "met", CONFLICT, f"{head} → 該当あり（否定の記載もあり） (conflicting)", evidence + denied
            )
        return outcome("met", score, f"{head} → 該当 (met)", evidence)
    if check.status == "current" and by_reading.get("history"):
        _, hist = best("history")
        return outcome("unknown", UNDECIDED, f"{head} → 既往のみで現在か不明 (history only)", hist)
    if check.status == "current" and by_reading.get("past"):
        past_score, past = best("past")
        return outcome("not_met", past_score, f"{head} → 治癒・寛解 (resolved)", past)
    undecided_readings: tuple[Reading, ...] = ("suspected", "broader")
    for undecided in undecided_readings:
        if by_reading.get(undecided):
            _, items = best(undecided)
            return outcome("unknown", UNDECIDED, f"{head} → 確定できない (cannot decide)", items)
    if by_reading.get("denied"):
        denied_score, denied = best("denied")
        return outcome("not_met", denied_score, f"{head} → 否定 (denied)", denied)
    if by_reading.get("family"):
        _, fam = best("family")
        return outcome("not_met", ctx.absence_score, f"{head} → 家族歴のみ (family history only)", fam)
    return outcome("not_met", ctx.absence_score, f"{head} → {ctx.absence_where()}")
