"""Drafts of the draft editor, kept as review decisions (kind ``draft``, subject = the draft id).

A draft is the output of the ``draft`` task on a stored patient (decision ``create``, item ``draft``;
its sources included, the FHIR bundle rebuilt at export). A physician's edit of a section is a
decision ``edit`` on the item ``section:<code>`` holding the new text; the edited text is checked by
the drafting guard against the citations of the section, so what the sources do not support stays
marked. ``approve`` (item ``draft``) holds the SHA-256 of the sections it approved: an edit after
approval voids it. The history is kept; the audit log gets each decision, with the value's digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from pydantic import BaseModel, Field

from karte.drafting.guard import Guard, with_sentences
from karte.drafting.lexicon import Lexicon, default_lexicon
from karte.drafting.models import DraftSection, DraftSentence
from karte.errors import InputError, NotFoundError
from karte.reviews import Decision, ReviewStore, review_kind
from karte.tasks.context import TaskContext
from karte.tasks.draft_task import DraftOutput

KIND = "draft"
DRAFT_ITEM = "draft"
SECTION_PREFIX = "section:"
MAX_SECTION_CHARS = 20_000


class DraftRecord(BaseModel):
    """A stored draft with the physicians' edits applied and its approval, if still valid."""

    id: str
    patient_id: str
    request: dict[str, Any] = Field(description="The draft task's input")
    output: DraftOutput
    created_by: str
    created_at: dt.datetime
    sections: list[DraftSection] = Field(description="Current sections: generated, or edited and re-checked")
    edits: dict[str, Decision] = Field(default_factory=dict, description="section code → newest edit")
    approval: Decision | None = Field(default=None, description="The approval of the current text")
    stale_approval: Decision | None = Field(default=None, description="An approval voided by a later edit")

    @property
    def unsupported(self) -> int:
        return sum(1 for s in self.sections for x in s.sentences if not x.supported)

    def digest(self) -> str:
        return sections_digest(self.sections)

    def section(self, code: str) -> DraftSection:
        for section in self.sections:
            if section.code == code:
                return section
        raise NotFoundError(f"セクション {code} はこの下書きにありません (no such section)", field="section")


def sections_digest(sections: list[DraftSection]) -> str:
    text = json.dumps([(s.code, s.text) for s in sections], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_draft_id() -> str:
    return f"draft-{uuid.uuid4().hex[:16]}"


def lexicon_of(ctx: TaskContext) -> Lexicon:
    return ctx.resource("drafting.lexicon", default_lexicon)  # the key make_drafter uses


def edited_section(
    original: DraftSection, text: str, sources: dict[str, Any], lexicon: Lexicon
) -> DraftSection:
    """``original`` with its text replaced by ``text`` (one sentence a line), checked by the guard.

    A line unchanged from the draft keeps its sentence (citations, facts); a new or changed line
    cites every span the section cited, and the guard marks what those spans do not support.
    """
    kept = {s.text: s for s in original.sentences}
    guard = Guard(lexicon)
    sentences: list[DraftSentence] = []
    for line in (x.strip() for x in text.splitlines()):
        if not line:
            continue
        sentence = kept.get(line) or DraftSentence(
            text=line, citations=list(original.citations), source="extractive"
        )
        sentences.append(sentence if line in kept else guard.check(sentence, sources))
    return with_sentences(original, sentences)


class DraftRecords:
    """Create, load, edit and approve drafts through the review store (each write audited)."""

    def __init__(self, reviews: ReviewStore, ctx: TaskContext) -> None:
        self.reviews = reviews
        self.ctx = ctx

    def create(
        self, output: DraftOutput, request: dict[str, Any], *, actor: str, role: str | None, ip: str | None
    ) -> str:
        draft_id = new_draft_id()
        stored = output.model_dump(mode="json")
        stored["fhir"] = {}  # rebuilt from the current text at export
        self.reviews.decide(
            review_kind(KIND),
            subject=draft_id,
            item=DRAFT_ITEM,
            decision="create",
            value={"request": request, "output": stored},
            actor=actor,
            role=role,
            patient_id=output.patient_id,
            ip=ip,
        )
        return draft_id

    def load(self, draft_id: str) -> DraftRecord:
        history = self.reviews.history(KIND, draft_id)
        created = next((d for d in history if d.item == DRAFT_ITEM and d.decision == "create"), None)
        if created is None:
            raise NotFoundError(f"下書き {draft_id} はありません (no such draft)", field="draft_id")
        output = DraftOutput.model_validate(created.value["output"])
        sources = {s.id: s for s in output.sources}
        edits = {
            d.item.removeprefix(SECTION_PREFIX): d
            for d in history
            if d.item.startswith(SECTION_PREFIX) and d.decision == "edit"
        }
        lexicon = lexicon_of(self.ctx) if edits else None
        sections = [
            edited_section(s, str(edits[s.code].value.get("text", "")), sources, lexicon)
            if s.code in edits and lexicon is not None
            else s
            for s in output.sections
        ]
        approvals = [d for d in history if d.item == DRAFT_ITEM and d.decision == "approve"]
        newest = approvals[-1] if approvals else None
        valid = newest is not None and newest.value.get("digest") == sections_digest(sections)
        return DraftRecord(
            id=draft_id,
            patient_id=created.patient_id or output.patient_id or "",
            request=dict(created.value.get("request", {})),
            output=output,
            created_by=created.actor,
            created_at=created.at,
            sections=sections,
            edits=edits,
            approval=newest if valid else None,
            stale_approval=newest if newest is not None and not valid else None,
        )

    def edit(
        self, record: DraftRecord, code: str, text: str, *, actor: str, role: str | None, ip: str | None
    ) -> None:
        record.section(code)  # refuses an unknown section
        if len(text) > MAX_SECTION_CHARS:
            raise InputError(
                f"セクションの本文が長すぎます（{MAX_SECTION_CHARS} 文字まで） (section text too long)",
                field="text",
            )
        if not text.strip():
            raise InputError("セクションの本文が空です (section text is empty)", field="text")
        self.reviews.decide(
            review_kind(KIND),
            subject=record.id,
            item=f"{SECTION_PREFIX}{code}",
            decision="edit",
            value={"text": text.replace("\r\n", "\n")},
            actor=actor,
            role=role,
            patient_id=record.patient_id,
            ip=ip,
        )

    def approve(
        self,
        record: DraftRecord,
        *,
        seen: str,
        acknowledged: bool,
        actor: str,
        role: str | None,
        ip: str | None,
    ) -> None:
        """Approve the text the physician saw (``seen``: its digest); refused when it changed since."""
        if seen != record.digest():
            raise InputError(
                "表示後に下書きが編集されました。開き直して内容を確認してから承認してください "
                "(the draft changed after you opened it)",
                field="digest",
            )
        if record.unsupported and not acknowledged:
            raise InputError(
                f"出典で確認できない記述が {record.unsupported} 件あります。修正するか、確認済みに"
                "チェックしてから承認してください (unsupported content: fix it or confirm you checked it)",
                field="acknowledge",
            )
        self.reviews.decide(
            review_kind(KIND),
            subject=record.id,
            item=DRAFT_ITEM,
            decision="approve",
            value={"digest": record.digest(), "unsupported_acknowledged": record.unsupported},
            actor=actor,
            role=role,
            patient_id=record.patient_id,
            ip=ip,
        )
