"""What the draft editor shows: each section's sentences with numbered citations and unsupported words
marked, and the cited sources with every citation highlighted (numbers shared with the sentences).

The HTML of a sentence and of a highlighted source comes from :mod:`karte.drafting.render_html`
(escaped there; overlapping citations split into segments that carry all their numbers).
"""

from __future__ import annotations

from markupsafe import Markup
from pydantic import BaseModel, ConfigDict

from karte.drafting.models import Citation, DraftSection
from karte.drafting.render_html import highlighted_source, sentence_html
from karte.web.draft_records import DraftRecord

DOCUMENT_TYPES = {
    "discharge_summary": "退院時サマリー",
    "referral_letter": "診療情報提供書",
    "patient_advice": "療養上の計画・アドバイス",
}
SOURCE_KINDS = {"note": "カルテ記事", "chart": "構造化記録", "knowledge": "知識ベース", "request": "依頼内容"}


class _View(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)


class SentenceView(_View):
    html: Markup
    supported: bool
    placeholder: bool
    reasons: list[str]


class SectionView(_View):
    code: str
    title: str
    text: str
    missing: bool
    required: bool
    unsupported: int
    sentences: list[SentenceView]
    edited_by: str | None = None
    edited_at: str | None = None


class SourceView(_View):
    id: str
    kind: str
    title: str
    date: str
    html: Markup


def citation_numbers(sections: list[DraftSection]) -> dict[tuple[str, int, int], int]:
    numbers: dict[tuple[str, int, int], int] = {}
    for section in sections:
        for sentence in section.sentences:
            for c in sentence.citations:
                numbers.setdefault(c.key(), len(numbers) + 1)
    return numbers


def section_views(record: DraftRecord, numbers: dict[tuple[str, int, int], int]) -> list[SectionView]:
    views = []
    for s in record.sections:
        edit = record.edits.get(s.code)
        views.append(
            SectionView(
                code=s.code,
                title=s.title,
                text=s.text,
                missing=s.missing,
                required=s.required,
                unsupported=sum(1 for x in s.sentences if not x.supported),
                sentences=[
                    SentenceView(
                        html=sentence_html(x, numbers),
                        supported=x.supported,
                        placeholder=x.placeholder,
                        reasons=[f"「{i.text}」{i.reason}" for i in x.issues],
                    )
                    for x in s.sentences
                ],
                edited_by=edit.actor if edit else None,
                edited_at=edit.at.isoformat() if edit else None,
            )
        )
    return views


def source_views(record: DraftRecord, numbers: dict[tuple[str, int, int], int]) -> list[SourceView]:
    """The sources the current text cites, in the draft's order, each with its citations marked."""
    by_doc: dict[str, list[tuple[int, Citation]]] = {}
    for (document, start, end), n in numbers.items():
        by_doc.setdefault(document, []).append((n, Citation(document=document, start=start, end=end)))
    return [
        SourceView(
            id=src.id,
            kind=SOURCE_KINDS.get(src.kind, src.kind),
            title=src.title or src.type or src.id,
            date=src.date.strftime("%Y-%m-%d") if src.date else "",
            html=highlighted_source(src, by_doc[src.id]),
        )
        for src in record.output.sources
        if src.id in by_doc
    ]
