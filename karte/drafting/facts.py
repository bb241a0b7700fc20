"""Facts first: everything a draft may state, each with the spans that support it.

:func:`collect_facts` reads the selected notes (:mod:`karte.drafting.note_facts`) and the structured
chart (:mod:`karte.drafting.chart_facts`), merges what they say about the same diagnosis or drug,
decides the main diagnosis (主病名 of a note, else #1 of the latest problem list, else the first
problem of the chart) and numbers the facts F1, F2 … in a stable order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from karte.drafting.chart_facts import chart_facts, note_citation, note_date_facts
from karte.drafting.coding import Icd10Coder
from karte.drafting.lexicon import Lexicon
from karte.drafting.models import Fact, FactKind
from karte.drafting.note_facts import NoteContext, NoteRole, note_facts
from karte.drafting.sources import ChartSources, build_sources
from karte.records.models import Document, PatientRecord
from karte.text import normalize

ADMISSION_TYPES = ("入院時記録", "入院診療計画書", "admission")
SUMMARY_TYPES = ("退院時サマリー", "退院サマリー", "discharge_summary")
REPORT_TYPES = ("検査結果", "検査報告")
MAX_CITATIONS = 4
_KIND_ORDER: tuple[FactKind, ...] = (
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
)


@dataclass
class FactSet:
    """The facts of one draft, numbered, with lookups by id and by kind."""

    facts: list[Fact] = field(default_factory=list)

    def add(self, fact: Fact) -> Fact:
        fact.id = f"F{len(self.facts) + 1}"
        self.facts.append(fact)
        return fact

    def of(self, *kinds: FactKind) -> list[Fact]:
        return [f for f in self.facts if f.kind in kinds]

    def get(self, fact_id: str) -> Fact | None:
        return next((f for f in self.facts if f.id == fact_id), None)


@dataclass
class ChartFacts:
    sources: ChartSources
    facts: FactSet
    admission_note: str | None
    last_inpatient_note: str | None
    warnings: list[str]


def note_role(doc: Document, first_admission: str | None) -> NoteRole:
    if doc.id == first_admission:
        return "admission"
    label = f"{doc.type} {doc.title or ''}"
    if any(t in doc.type for t in SUMMARY_TYPES):
        return "summary"
    if "外来" in label:
        return "outpatient"
    if any(t in doc.type for t in REPORT_TYPES):
        return "report"
    return "progress"


def name_key(name: str) -> str:
    """A disease name without spaces, punctuation and bracketed detail: 胃癌（前庭部） → 胃癌."""
    text = re.sub(r"\([^)]*\)", "", normalize(name).text)
    return re.sub(r"[\s。、.]", "", text)


def collect_facts(
    record: PatientRecord, notes: list[Document], lexicon: Lexicon, coder: Icd10Coder | None
) -> ChartFacts:
    """The facts of ``record``, reading only ``notes`` among its documents."""
    sources = build_sources(record, notes)
    warnings: list[str] = []
    admission = next((d for d in sources.notes if any(t in d.type for t in ADMISSION_TYPES)), None)
    if admission is None and sources.notes:
        admission = sources.notes[0]
    admission_id = admission.id if admission else None
    raw: list[Fact] = []
    last_inpatient = None
    for doc in sources.notes:
        role = note_role(doc, admission_id)
        if role in ("admission", "progress", "report"):
            last_inpatient = doc.id
        date = doc.datetime.date() if doc.datetime else None
        ctx = NoteContext(doc, role, date, note_citation(sources, doc.id))
        raw.extend(note_facts(ctx, lexicon))
    admission_date = admission.datetime.date() if admission and admission.datetime else None
    raw.extend(note_date_facts(sources, admission_id))
    known = coder.known if coder is not None else (lambda code: False)
    if coder is None and record.conditions:
        warnings.append(
            "ICD-10 表を読み込まずに作成しました: コードは出力しません (no code table: codes left out)"
        )
    raw.extend(chart_facts(sources, lexicon, admission_date, known, warnings))
    facts = _organise(raw, coder, lexicon)
    return ChartFacts(sources, facts, admission_id, last_inpatient, warnings)


def _organise(raw: list[Fact], coder: Icd10Coder | None, lexicon: Lexicon) -> FactSet:
    diagnoses = _diagnoses(raw)
    if coder is not None:
        for fact in diagnoses:
            query = codable_name(fact.name, lexicon) if fact.name and not fact.codes else None
            if query is not None:
                code = coder.code(query)
                if code is not None:
                    fact.codes.append(code)
    others = [f for f in raw if f.kind not in ("diagnosis", "comorbidity")]
    others = _merge_medications(others)
    others = _merge_dates(others)
    ordered = sorted(
        [*diagnoses, *others],
        key=lambda f: (_KIND_ORDER.index(f.kind), f.rank, f.date or dt.date.max),
    )
    fs = FactSet()
    for fact in ordered:
        fs.add(fact)
    return fs


def codable_name(name: str, lexicon: Lexicon) -> str | None:
    """The name to code: the disease name itself when the dictionary knows it as a whole (brackets
    left out: 胃癌（前庭部） → 胃癌), else None. Free phrases are not coded: the terminology's fuzzy
    search costs seconds per phrase, and an uncoded diagnosis is better than a guessed code."""
    base = re.sub(r"\([^)]*\)", "", normalize(name).text).strip()
    hits = [h for h in lexicon.find(base) if h.type == "disease"]
    if len(hits) == 1 and hits[0].start == 0 and hits[0].end == len(base):
        return base
    return None


def _diagnoses(raw: list[Fact]) -> list[Fact]:
    """One fact per disease name; the main diagnosis is ranked 1 and has kind ``diagnosis``."""
    candidates = [f for f in raw if f.kind in ("diagnosis", "comorbidity") and f.name]
    candidates.sort(key=lambda f: f.document_type is not None)  # the chart's names (coded) first
    by_key: dict[str, Fact] = {}
    order: list[str] = []
    for fact in candidates:
        key = name_key(fact.name or fact.text)
        if key in by_key:
            kept = by_key[key]
            _add_citations(kept, fact.citations)
            for code in fact.codes:
                if all(c.code != code.code for c in kept.codes):
                    kept.codes.append(code)
            kept.status = kept.status or fact.status
        else:
            by_key[key] = fact.model_copy(deep=True)
            order.append(key)
    main_key = _main_key(candidates)
    out = []
    for rank, key in enumerate(sorted(order, key=lambda k: (k != main_key, order.index(k))), start=1):
        fact = by_key[key]
        fact.kind = "diagnosis" if key == main_key else "comorbidity"
        fact.rank = rank
        out.append(fact)
    return out


def _main_key(candidates: list[Fact]) -> str | None:
    stated = [f for f in candidates if f.kind == "diagnosis" and f.document_type is not None and f.rank <= 1]
    headed = [f for f in stated if f.date is not None] or stated
    notes_main = sorted(headed, key=lambda f: f.date or dt.date.min)
    if notes_main:
        return name_key(notes_main[-1].name or notes_main[-1].text)
    chart = [f for f in candidates if f.kind == "diagnosis" and f.document_type is None]
    if chart:
        return name_key(chart[0].name or chart[0].text)
    return name_key(candidates[0].name or candidates[0].text) if candidates else None


def _add_citations(fact: Fact, citations: Iterable[object]) -> None:
    for c in citations:
        if len(fact.citations) >= MAX_CITATIONS:
            return
        if all(c != have for have in fact.citations):
            fact.citations.append(c)  # type: ignore[arg-type]


def _merge_medications(facts: list[Fact]) -> list[Fact]:
    """A current drug stated by the chart and by notes becomes one fact citing both."""
    chart: dict[tuple[str, str | None], Fact] = {
        (f.kind, f.name): f
        for f in facts
        if f.kind == "medication_current" and f.document_type is None and f.name
    }
    out = []
    for fact in facts:
        twin = chart.get((fact.kind, fact.name)) if fact.document_type is not None else None
        if twin is not None and fact.kind == "medication_current" and _same_dose(twin.text, fact.text):
            _add_citations(twin, fact.citations)
            continue
        out.append(fact)
    return out


def _same_dose(a: str, b: str) -> bool:
    nums_a = re.findall(r"\d+(?:\.\d+)?\s?(?:mg|g|μg|mL|単位)", normalize(a).text)
    nums_b = re.findall(r"\d+(?:\.\d+)?\s?(?:mg|g|μg|mL|単位)", normalize(b).text)
    return [n.replace(" ", "") for n in nums_a[:1]] == [n.replace(" ", "") for n in nums_b[:1]]


def _merge_dates(facts: list[Fact]) -> list[Fact]:
    """Keep one admission date and one discharge date (a summary's 入院期間 before the list of notes)."""
    out: list[Fact] = []
    seen: set[FactKind] = set()
    for fact in sorted(facts, key=lambda f: f.document_type is None):
        if fact.kind in ("admission_date", "discharge_date"):
            if fact.kind in seen:
                continue
            seen.add(fact.kind)
        out.append(fact)
    return out
