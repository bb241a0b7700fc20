"""What the de-identification layer finds: PII types, findings and their explanations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from pydantic import BaseModel, Field

PiiType = Literal[
    "PATIENT_NAME",
    "PERSON_NAME",
    "DATE",
    "AGE",
    "ADDRESS",
    "PHONE",
    "ID",
    "FACILITY",
    "EMAIL",
    "INSURANCE_NO",
    "MYNUMBER",
    "POSTAL_CODE",
]
PII_TYPES: tuple[str, ...] = get_args(PiiType)
NAME_TYPES = frozenset({"PATIENT_NAME", "PERSON_NAME"})
FindingSource = Literal["rule", "dictionary", "llm", "known"]


class Explanation(BaseModel):
    """Why a span was found: which recognizer and pattern, which context words, what score."""

    recognizer: str
    pattern: str
    source: FindingSource = "rule"
    context: list[str] = Field(default_factory=list, description="Context words that raised the score")
    score: float = Field(ge=0.0, le=1.0)
    note: str | None = Field(default=None, description="Check digits, propagation, policy …")


class PiiSpan(BaseModel):
    """One piece of personal information: ``[start, end)`` in the ORIGINAL text."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    type: PiiType
    text: str = Field(description="original[start:end]")
    score: float = Field(ge=0.0, le=1.0)
    explanation: Explanation


@dataclass
class Candidate:
    """A finding on the normalised text, before overlap resolution and mapping back."""

    start: int
    end: int
    type: str
    score: float
    recognizer: str
    pattern: str
    source: FindingSource = "rule"
    context: list[str] = field(default_factory=list)
    note: str | None = None
    # For names: the surname and given-name parts (normalised text), used by pseudonymisation
    # and by propagation of a name to its other mentions.
    surname: str | None = None
    given: str | None = None

    @property
    def length(self) -> int:
        return self.end - self.start
