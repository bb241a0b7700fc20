"""What the chart view shows of one document: its text with section headings and entities marked."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from karte.records.models import Document
from karte.web.adapters import entity_marks
from karte.web.analysis import TaskResult
from karte.web.highlight import Highlighted, Mark, highlight


class DocumentView(BaseModel):
    document: Document
    text: Highlighted
    entity_count: int = 0
    entity_types: list[str] = Field(default_factory=list)
    error: str | None = None


def heading_marks(document: Document, sections: TaskResult | None = None) -> list[Mark]:
    """The section headings (start..body_start) as marks: the sections stored with the document,
    else those of the ``sections`` task's output."""
    found: list[dict[str, Any]] = [s.model_dump() for s in document.sections]
    if not found and sections is not None and sections.output:
        found = [s for s in sections.output.get("sections", []) if isinstance(s, dict)]
    return [
        Mark(start=s["start"], end=s["body_start"], kind="heading", title=f"セクション: {s.get('name', '')}")
        for s in found
        if isinstance(s.get("start"), int)
        and isinstance(s.get("body_start"), int)
        and s["body_start"] > s["start"]
    ]


def document_view(
    document: Document,
    result: TaskResult | None,
    labels: dict[str, dict[str, str]],
    sections: TaskResult | None = None,
) -> DocumentView:
    entities = entity_marks(result.output if result else None, labels)
    view = highlight(document.text, heading_marks(document, sections) + entities)
    return DocumentView(
        document=document,
        text=view,
        entity_count=len(entities),
        entity_types=sorted({m.kind for m in entities}),
        error=result.error if result else None,
    )
