"""A coded condition of the certificate, as the selection rules see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Condition:
    order: int  # order of mention on the certificate (0 = first condition on Ia)
    line: str  # Ia … Id, II
    level: int  # Part I: 0 for the top used line, 1 for the next …; Part II: -1
    text: str
    field: str  # causes.Ia …
    start: int  # span in the field value
    end: int
    icd10: str | None
    display: str
    method: str  # curated | dictionary | variant | external | search | none
    score: float
    rationale: str
    interval_text: str | None = None
    interval_days: float | None = None
    mechanism: str | None = None  # external event label, when the line names one
    derived: bool = False  # split from 「AによるB」 on one line

    @property
    def coded(self) -> bool:
        return self.icd10 is not None

    @property
    def part(self) -> str:
        return "II" if self.level < 0 else "I"

    def label(self) -> str:
        return f"{self.line}「{self.text}」({self.icd10 or '未コード'})"
