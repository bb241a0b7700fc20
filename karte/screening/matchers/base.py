"""Shared pieces of the structured matchers: the screening date, confidence levels, outcome helpers.

Confidence levels are set by hand from what each kind of evidence is worth to a coordinator (a coded
record over a note sentence, an explicit statement over absence); they rank, they are not calibrated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from karte.screening.evidence import PatientEvidence
from karte.screening.models import CheckOutcome, EvidenceItem, Status

RECORD = 0.95  # a structured record (coded condition, medication statement, lab observation)
NOTE = 0.9  # a note states it plainly
NOTE_HISTORY = 0.8  # a note lists it under past history, or dates it only by the note
NOTE_UNDATED = 0.7  # a note states it, but the date cannot be placed
ABSENT_WITH_RECORDS = 0.8  # nothing anywhere, and structured records were available
ABSENT_NOTES_ONLY = 0.65  # nothing in the notes, and there are no structured records
CONFLICT = 0.6  # records and notes disagree; the stronger side wins with this confidence
UNDECIDED = 0.5
MAX_EVIDENCE = 4


@dataclass(frozen=True)
class MatchContext:
    evidence: PatientEvidence
    screening_date: dt.date

    def days_before(self, when: dt.date) -> int:
        return (self.screening_date - when).days

    @property
    def absence_score(self) -> float:
        return ABSENT_WITH_RECORDS if self.evidence.has_records else ABSENT_NOTES_ONLY

    def absence_where(self) -> str:
        if self.evidence.has_records:
            return "病名・処方・検査の記録と記載のいずれにもない (not in the records nor the notes)"
        return "記載にない (not mentioned in the notes)"


def outcome(
    status: Status, score: float, rationale: str, evidence: Iterable[EvidenceItem] = ()
) -> CheckOutcome:
    items: list[EvidenceItem] = []
    seen: set[tuple[str | None, int | None, int | None, str | None]] = set()
    for e in evidence:
        k = (e.document_id, e.start, e.end, e.record)
        if k not in seen:
            seen.add(k)
            items.append(e)
        if len(items) >= MAX_EVIDENCE:
            break
    return CheckOutcome(status=status, score=round(score, 3), evidence=items, rationale=rationale)


def not_after(when: dt.date | None, ctx: MatchContext) -> bool:
    """Known on the screening date: undated, or dated on or before it."""
    return when is None or when <= ctx.screening_date
