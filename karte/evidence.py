"""The evidence model shared by every task.

A :class:`Span` points into the ORIGINAL text of a document (never into a normalised copy);
:class:`Evidence` groups spans with the rationale and the kind of component that produced them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

EvidenceSource = Literal["rule", "dictionary", "model", "llm"]


class Span(BaseModel):
    """A character span ``[start, end)`` in the original text of a document."""

    document_id: str | None = None
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    section: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before start {self.start}")
        return self

    @classmethod
    def of(
        cls,
        original: str,
        start: int,
        end: int,
        *,
        document_id: str | None = None,
        section: str | None = None,
    ) -> Span:
        """Build a span whose ``text`` is exactly ``original[start:end]``."""
        return cls(document_id=document_id, start=start, end=end, text=original[start:end], section=section)


class Evidence(BaseModel):
    """Why a result holds: the spans that justify it, a rationale, its source and a score in [0, 1]."""

    spans: list[Span] = Field(default_factory=list)
    rationale: str = ""
    source: EvidenceSource
    score: float = Field(ge=0.0, le=1.0)
