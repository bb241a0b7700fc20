"""Drafting end to end: select notes → facts → section plan → fill (extractive or LLM) → guard → FHIR.

:class:`Drafter` holds what is loaded once (the lexicon, the ICD-10 table, the LLM client) and drafts
one patient per call. Which notes are read: every note given, except those of
``exclude_document_types``, those dated after ``until`` and, for a discharge summary, notes outside
the stay (before the admission note, or from the first outpatient note after it).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from karte.drafting.advice import knowledge_facts, match_entries
from karte.drafting.coding import Icd10Coder
from karte.drafting.extractive import FillContext, fill_extractive
from karte.drafting.facts import ADMISSION_TYPES, collect_facts
from karte.drafting.fhir import build_bundle
from karte.drafting.guard import Guard, OnUnsupported
from karte.drafting.lexicon import Lexicon
from karte.drafting.llm_filler import LLMFiller
from karte.drafting.models import DRAFT_NOTICE, Citation, Draft, DraftSection, Fact, SourceDocument
from karte.drafting.plans import load_plan
from karte.drafting.sources import note_sort_key, request_source
from karte.errors import InputError
from karte.llm import LLMAudit, LLMClient, LLMError
from karte.records.models import Document, PatientRecord

log = logging.getLogger(__name__)
Mode = Literal["auto", "extractive", "llm"]


class Recipient(BaseModel):
    """The addressee of a referral letter, and why the patient is referred (given by the user)."""

    model_config = ConfigDict(extra="forbid")

    institution: str | None = Field(default=None, description="紹介先医療機関")
    department: str | None = Field(default=None, description="診療科")
    doctor: str | None = Field(default=None, description="担当医")
    purpose: str | None = Field(default=None, description="紹介目的 (written by the referring doctor)")


class DraftOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_type: Literal["discharge_summary", "referral_letter", "patient_advice"]
    mode: Mode = "auto"
    sections: list[str] | None = None
    on_unsupported: OnUnsupported = "flag"
    recipient: Recipient | None = None
    exclude_document_types: list[str] = Field(default_factory=list)
    until: dt.date | None = None


@dataclass
class DraftResult:
    draft: Draft
    sources: dict[str, SourceDocument]
    fhir: dict[str, object]
    llm: list[LLMAudit] = field(default_factory=list)
    notes_used: list[str] = field(default_factory=list)


ClientFactory = Callable[[], LLMClient]


class Drafter:
    def __init__(
        self,
        lexicon: Lexicon,
        coder: Icd10Coder | None,
        llm_client: ClientFactory | None = None,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.coder = coder
        self._llm_client = llm_client
        self._now = now or (lambda: dt.datetime.now(dt.UTC).astimezone())

    def draft(self, record: PatientRecord, options: DraftOptions) -> DraftResult:
        plan = load_plan(options.document_type)
        wanted = [plan.section(code) for code in options.sections] if options.sections else plan.sections
        notes, excluded = select_notes(record.documents, options)
        if not notes and not (record.conditions or record.medications or record.observations):
            raise InputError(
                f"患者 {record.id} に使える文書がありません (no notes to draft from)",
                field="documents",
                record_id=record.id,
            )
        chart = collect_facts(record, notes, self.lexicon, self.coder)
        warnings = [*chart.warnings]
        if excluded:
            warnings.append(f"対象外とした文書: {', '.join(excluded)} (notes not used for this document)")
        sources = dict(chart.sources.documents)
        facts = chart.facts
        recipient: dict[str, str] = {}
        if options.recipient is not None:
            values = options.recipient.model_dump(exclude_none=True)
            recipient = {k: v for k, v in values.items() if k != "purpose"}
            source, cites = request_source(record.id, list(values.items()))
            sources[source.id] = source
            if "purpose" in cites:
                facts.add(_request_fact("referral_purpose", values["purpose"], cites["purpose"]))
        if options.document_type == "patient_advice":
            matches = match_entries(facts.of("diagnosis", "comorbidity"))
            for src in knowledge_facts(matches, facts):
                sources[src.id] = src
            if matches:
                warnings.append(
                    "疾患の解説は知識ベースから引用しました。臨床医の確認前の内容です "
                    "(knowledge-base text, not yet reviewed by a clinician)"
                )
            unmatched = [
                f.name
                for f in facts.of("diagnosis", "comorbidity")
                if f.name not in {m.diagnosis.name for m in matches}
            ]
            if unmatched:
                warnings.append(
                    f"知識ベースに解説のない病名: {'、'.join(str(n) for n in unmatched)} (no KB entry)"
                )
        client = self._client(options.mode, warnings)
        used_mode: Literal["extractive", "llm"] = "llm" if client is not None else "extractive"
        ctx = FillContext(
            facts=facts,
            admission_note=chart.admission_note,
            last_inpatient_note=chart.last_inpatient_note,
            note_order=[d.id for d in chart.sources.notes],
            warnings=warnings,
        )
        guard = Guard(self.lexicon)
        audits: list[LLMAudit] = []
        sections: list[DraftSection] = []
        for section_plan in wanted:
            section = fill_extractive(ctx, section_plan)
            if client is not None and section_plan.llm and not section.missing:
                section = self._llm_section(
                    client, section_plan, section, facts, plan.title, warnings, audits
                )
            sections.append(
                guard.check_section(section, sources, options.on_unsupported, warnings, section_plan.empty)
            )
        missing = [s.title for s in sections if s.missing and s.required]
        if missing:
            warnings.append(
                f"記録から埋められなかった必須項目: {'、'.join(missing)}（要記入） "
                "(required sections left empty)"
            )
        draft = Draft(
            document_type=options.document_type,
            title=plan.title,
            patient_id=record.id,
            notice=DRAFT_NOTICE,
            mode=used_mode,
            sections=sections,
            facts=facts.facts,
            warnings=warnings,
            created=self._now(),
        )
        fhir = build_bundle(draft, plan, record.patient(), sources, recipient or None)
        return DraftResult(draft, sources, fhir, audits, [d.id for d in notes])

    def llm_client(self) -> LLMClient:
        """The LLM client (loading the model on first use); an LLMError when none is configured."""
        if self._llm_client is None:
            raise LLMError(
                "LLM が設定されていません (no LLM backend configured)", field="llm", type="llm_disabled"
            )
        return self._llm_client()

    def _client(self, mode: Mode, warnings: list[str]) -> LLMClient | None:
        if mode == "extractive" or self._llm_client is None:
            if mode == "llm":
                raise InputError("LLM が設定されていません (mode llm needs an LLM backend)", field="mode")
            return None
        try:
            return self._llm_client()
        except LLMError as exc:
            if mode == "llm":
                raise
            log.info("LLM unavailable, drafting extractively: %s", exc)
            return None

    def _llm_section(
        self,
        client: LLMClient,
        section_plan: object,
        section: DraftSection,
        facts: object,
        title: str,
        warnings: list[str],
        audits: list[LLMAudit],
    ) -> DraftSection:
        from karte.drafting.compose import finish_section
        from karte.drafting.facts import FactSet
        from karte.drafting.plans import SectionPlan

        assert isinstance(section_plan, SectionPlan) and isinstance(facts, FactSet)
        try:
            written = LLMFiller(client).fill(section_plan, section, facts, title)
        except LLMError as exc:
            warnings.append(
                f"{section_plan.title}: LLM で作成できなかったため抽出型の文を使いました ({exc.type}) "
                "(LLM failed for this section; extractive sentences kept)"
            )
            return section
        if written is None:
            return section
        sentences, audit = written
        audits.append(audit)
        return finish_section(section_plan, sentences)


def _request_fact(kind: str, text: str, citation: Citation) -> Fact:
    return Fact(id="", kind=kind, text=text, citations=[citation])


def select_notes(documents: list[Document], options: DraftOptions) -> tuple[list[Document], list[str]]:
    """The notes a draft reads, and the ids of those left out (with the rule that dropped them)."""
    kept, dropped = [], []
    for doc in sorted(documents, key=note_sort_key):
        if doc.type in options.exclude_document_types:
            dropped.append(f"{doc.id}（{doc.type}）")
        elif options.until is not None and doc.datetime is not None and doc.datetime.date() > options.until:
            dropped.append(f"{doc.id}（{options.until} より後）")
        else:
            kept.append(doc)
    if options.document_type == "discharge_summary":
        admission = next((i for i, d in enumerate(kept) if any(t in d.type for t in ADMISSION_TYPES)), None)
        if admission is not None:
            stay = kept[admission:]
            end = next(
                (i for i, d in enumerate(stay) if i > 0 and "外来" in f"{d.type} {d.title or ''}"), len(stay)
            )
            dropped += [f"{d.id}（入院期間外）" for d in kept[:admission] + stay[end:]]
            kept = stay[:end]
    return kept, dropped
