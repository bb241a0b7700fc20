"""Structured matchers: one function per check kind, ``(check, MatchContext) -> CheckOutcome``.

Free-text checks are left ``unknown`` here; the LLM matcher (:mod:`karte.screening.llm_matcher`)
judges them from retrieved sentences within the per-patient call budget.
"""

from __future__ import annotations

from karte.screening.matchers.base import UNDECIDED, MatchContext, outcome
from karte.screening.matchers.demographics import match_age, match_sex
from karte.screening.matchers.diagnosis import match_diagnosis
from karte.screening.matchers.labs import match_lab
from karte.screening.matchers.medication import match_medication
from karte.screening.models import (
    AgeCheck,
    Check,
    CheckOutcome,
    DiagnosisCheck,
    LabCheck,
    MedicationCheck,
    SexCheck,
    TextCheck,
)


def match_check(check: Check, ctx: MatchContext) -> CheckOutcome:
    if isinstance(check, AgeCheck):
        return match_age(check, ctx)
    if isinstance(check, SexCheck):
        return match_sex(check, ctx)
    if isinstance(check, DiagnosisCheck):
        return match_diagnosis(check, ctx)
    if isinstance(check, MedicationCheck):
        return match_medication(check, ctx)
    if isinstance(check, LabCheck):
        return match_lab(check, ctx)
    assert isinstance(check, TextCheck)
    out = outcome(
        "unknown",
        UNDECIDED,
        f"自由記述の基準「{check.question}」: 規則では判定できない (free text; rules cannot judge)",
    )
    return out.model_copy(update={"source": "none"})


__all__ = ["MatchContext", "match_check"]
