"""Lab criteria: a threshold in the analyte's canonical unit, over results in a time window.

Results come from lab records and from values written in notes (dated by the line they are on, else
by the note). Only results on or before the screening date and, with a window, not older than it
count. ``latest``: the newest result decides (a record wins over a note of the same day); ``any``: one
result beyond the threshold suffices. No result in the window is ``unknown``: absence of a test is
not a value.
"""

from __future__ import annotations

import datetime as dt

from karte.screening.evidence import LabFact
from karte.screening.matchers.base import (
    NOTE,
    NOTE_HISTORY,
    NOTE_UNDATED,
    RECORD,
    UNDECIDED,
    MatchContext,
    outcome,
)
from karte.screening.models import CheckOutcome, LabCheck, Status
from karte.screening.vocab import lab_table

_OPS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}
_SCORE = {"record": RECORD, "line": NOTE, "note": NOTE_HISTORY, "none": NOTE_UNDATED}
DERIVED_PENALTY = 0.05  # a computed value (eGFR from creatinine) is a little less sure than a measured one


def _score(f: LabFact) -> float:
    return _SCORE[f.date_from] - (DERIVED_PENALTY if f.derived else 0.0)


def _fmt(f: LabFact) -> str:
    text = f"{f.raw_value:g} {f.unit or ''}".strip() + (f" ({f.date})" if f.date else " (日付不明)")
    return text + (f" [{f.derived}]" if f.derived else "")


def match_lab(check: LabCheck, ctx: MatchContext) -> CheckOutcome:
    analyte = lab_table().analytes.get(check.analyte)
    name = analyte.name if analyte else check.analyte
    facts = [f for f in ctx.evidence.labs if f.analyte == check.analyte]
    head = f"{name} {check.op} {check.value:g} {check.unit}" + (
        f"（{check.within_days}日以内）" if check.within_days else ""
    )
    usable = [f for f in facts if f.value is not None]
    if facts and not usable:
        units = ", ".join(sorted({f.unit or "?" for f in facts}))
        return outcome(
            "unknown",
            UNDECIDED,
            f"{head}: 単位 {units} を換算できない (unit not convertible)",
            [f.evidence for f in facts],
        )
    start = ctx.screening_date - dt.timedelta(days=check.within_days) if check.within_days else None
    in_window: list[LabFact] = []
    undated: list[LabFact] = []
    for f in usable:
        if f.date is None:
            undated.append(f)
        elif f.date <= ctx.screening_date and (start is None or f.date >= start):
            in_window.append(f)
    if start is None:
        in_window += undated  # without a window an undated value still tells something
    if not in_window:
        older = sorted(
            (f for f in usable if f.date is not None and f.date < (start or ctx.screening_date)),
            key=lambda f: f.date or dt.date.min,
        )
        items = [f.evidence for f in (older[-1:] + undated)]
        if older or undated:
            seen = "、".join(_fmt(f) for f in (older[-1:] + undated)[:3])
            return outcome(
                "unknown", UNDECIDED, f"{head}: 期間内の結果なし（{seen}） (no result in the window)", items
            )
        return outcome("unknown", UNDECIDED, f"{head}: 検査結果なし (no result)")
    compare = _OPS[check.op]
    if check.which == "latest":
        newest = max(in_window, key=lambda f: (f.date or dt.date.min, f.source == "record"))
        same_day = [f for f in in_window if f.date == newest.date]
        meets = newest.value is not None and compare(newest.value, check.value)
        status: Status = "met" if meets else "not_met"
        why = f"{head}: 最新 {_fmt(newest)} → {'該当' if meets else '非該当'}"
        return outcome(status, _score(newest), why, [newest.evidence] + [f.evidence for f in same_day])
    hits = [f for f in in_window if f.value is not None and compare(f.value, check.value)]
    if hits:
        best = max(hits, key=_score)
        return outcome("met", _score(best), f"{head}: {_fmt(best)} → 該当", [f.evidence for f in hits])
    return outcome(
        "not_met",
        min(_score(f) for f in in_window),
        f"{head}: 期間内の {len(in_window)} 件すべて非該当",
        [f.evidence for f in in_window],
    )
