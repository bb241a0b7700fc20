"""The data of a draft: sources, citations, facts, sentences, sections.

Every offset is a character offset into the ORIGINAL text of a :class:`SourceDocument`: a chart note
as given, a rendering of the structured chart (problem list, prescriptions, results), or a passage of
the disease knowledge base. A citation can always be checked with ``source.text[start:end]``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

DocumentType = Literal["discharge_summary", "referral_letter", "patient_advice"]
DOCUMENT_TYPES: tuple[str, ...] = ("discharge_summary", "referral_letter", "patient_advice")
SourceKind = Literal["note", "chart", "knowledge", "request"]
FactKind = Literal[
    "admission_date",
    "discharge_date",
    "chief_complaint",
    "reason_for_admission",
    "present_illness",
    "diagnosis",
    "comorbidity",
    "past_history",
    "family_history",
    "allergy",
    "admission_finding",
    "lab",
    "course",
    "medication_home",
    "medication_inpatient",
    "medication_current",
    "latest_status",
    "plan",
    "referral_purpose",
    "recipient",
    "kb_overview",
    "kb_daily_life",
    "kb_urgent",
]
IssueKind = Literal["disease", "drug", "dose", "value", "date", "term", "uncited"]
DRAFT_NOTICE = "下書き: 臨床医の確認が必要です。システムによる診断・処方ではありません。"
DRAFT_NOTICE_EN = "Draft for clinician review; not a diagnosis or prescription by the system."


class Citation(BaseModel):
    """A span ``[start, end)`` of a source document's original text."""

    document: str = Field(description="Source document id (a note, a chart rendering or a KB passage)")
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    def key(self) -> tuple[str, int, int]:
        return (self.document, self.start, self.end)


class SourceDocument(BaseModel):
    """A text the draft may cite."""

    id: str
    kind: SourceKind = Field(description="note | chart (rendered structured data) | knowledge | request")
    type: str | None = Field(default=None, description="Note type (入院時記録 …) or what was rendered")
    date: dt.datetime | None = None
    title: str | None = None
    text: str

    def quote(self, citation: Citation) -> str:
        return self.text[citation.start : citation.end]


class FactCode(BaseModel):
    """A code attached to a fact; only codes found in the loaded code table are kept."""

    system: str
    code: str
    display: str | None = None
    score: float = Field(ge=0.0, le=1.0)
    source: Literal["chart", "dictionary", "rule"] = Field(
        description="chart: coded in the record; dictionary/rule: found by karte.terminology"
    )


class Fact(BaseModel):
    """One statement found in the sources, with the spans that support it."""

    id: str = Field(description="F1, F2 … (unique within a draft)")
    kind: FactKind
    text: str = Field(description="The fact as it reads in the source (the first citation's text, cleaned)")
    name: str | None = Field(default=None, description="Disease, drug or test name where there is one")
    date: dt.date | None = None
    certainty: Literal["positive", "negative", "suspicious"] | None = None
    status: str | None = Field(default=None, description="Medication status (active, completed, stopped)")
    value: str | None = Field(default=None, description="A result's value with its unit (structured results)")
    abnormal: bool | None = Field(default=None, description="A result outside its reference range")
    codes: list[FactCode] = Field(default_factory=list)
    citations: list[Citation] = Field(min_length=1)
    date_citation: Citation | None = Field(
        default=None, description="Where the fact's date is written (a document list line, a 採血日時 …)"
    )
    document_type: str | None = Field(default=None, description="Type of the note it comes from")
    rank: int = Field(default=0, description="Order within its kind (main diagnosis first …)")


class Issue(BaseModel):
    """Something in a sentence that its citations do not support (found by the faithfulness guard)."""

    kind: IssueKind
    text: str = Field(description="The unsupported words")
    start: int = Field(ge=0, description="Offset in the sentence text")
    end: int = Field(ge=0)
    reason: str


class DraftSentence(BaseModel):
    text: str
    citations: list[Citation] = Field(default_factory=list)
    facts: list[str] = Field(default_factory=list, description="Ids of the facts the sentence states")
    placeholder: bool = Field(
        default=False, description="A gap to fill in by hand (nothing in the sources); states no fact"
    )
    labels: list[tuple[int, int]] = Field(
        default_factory=list,
        description="Offsets of fixed wording written by the code (主病名: …), not facts",
    )
    source: Literal["extractive", "llm"] = "extractive"
    supported: bool = True
    issues: list[Issue] = Field(default_factory=list)


class DraftSection(BaseModel):
    code: str = Field(description="Section code of the plan (e.g. hospital_course)")
    title: str
    text: str = Field(description="The section as one text (sentences joined)")
    citations: list[Citation] = Field(default_factory=list, description="Every citation of its sentences")
    sentences: list[DraftSentence] = Field(default_factory=list)
    required: bool = True
    missing: bool = Field(default=False, description="True when no sentence is backed by the sources")
    fhir_code: str | None = None


class Draft(BaseModel):
    """A drafted document before export: for clinician review."""

    document_type: DocumentType
    title: str
    patient_id: str | None = None
    status: Literal["preliminary"] = "preliminary"
    review_required: Literal[True] = True
    notice: str = DRAFT_NOTICE
    mode: Literal["extractive", "llm"] = "extractive"
    sections: list[DraftSection]
    facts: list[Fact] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    created: dt.datetime
