"""``karte eval draft``: section completeness, unsupported facts, key-fact recall, guard catch rate.

For every patient of a cohort (default: the bundled synthetic demo cohort, 24 patients with 3–6 notes)
each document type is drafted WITHOUT the patient's own 退院時サマリー (discharge summaries also without
notes outside the stay); that summary, when there is one, is the reference for the key facts: its
主病名/副病名 (main diagnoses) and 退院時処方 drugs (discharge medications). Patients
without a summary are scored against the chart's problem list and active prescriptions. With
``sources="notes"`` the structured chart is withheld too, so that every fact must come from the
notes' text. The guard is then tested by injecting faults into the drafts (:mod:`karte.drafting.inject`).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from karte.drafting.facts import name_key
from karte.drafting.guard import Guard
from karte.drafting.inject import FAULT_KINDS, caught, inject_faults
from karte.drafting.lexicon import Lexicon
from karte.drafting.mentions import normalized
from karte.drafting.pipeline import Drafter, DraftOptions, DraftResult
from karte.records.models import PatientRecord
from karte.text import analyze

DOCUMENT_TYPES = ("discharge_summary", "referral_letter", "patient_advice")
SUMMARY = "退院時サマリー"
EVAL_RECIPIENT_PURPOSE = "退院後の継続診療のお願い"
SourcesMode = Literal["chart", "notes"]


class Ratio(BaseModel):
    hit: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.hit / self.total if self.total else 1.0

    def add(self, hit: int, total: int) -> None:
        self.hit += hit
        self.total += total


class TypeReport(BaseModel):
    drafts: int = 0
    sections: Ratio = Field(default_factory=Ratio, description="required sections backed by sources")
    unsupported: Ratio = Field(default_factory=Ratio, description="unsupported / checked mentions")
    unflagged: int = Field(default=0, description="unsupported mentions in sentences not flagged")
    diagnoses: Ratio = Field(default_factory=Ratio)
    medications: Ratio = Field(default_factory=Ratio)
    seconds: list[float] = Field(default_factory=list)

    @property
    def recall(self) -> float:
        return (self.diagnoses.hit + self.medications.hit) / max(
            1, self.diagnoses.total + self.medications.total
        )


class EvalReport(BaseModel):
    patients: int
    mode: str
    sources: SourcesMode
    types: dict[str, TypeReport]
    guard: dict[str, Ratio] = Field(description="fault kind → caught / injected")
    misses: list[str] = Field(default_factory=list, description="key facts not found in a draft")
    reference: dict[str, int] = Field(
        default_factory=dict, description="patients scored against summary / chart"
    )

    @property
    def guard_rate(self) -> float:
        hit = sum(r.hit for r in self.guard.values())
        return hit / max(1, sum(r.total for r in self.guard.values()))


@dataclass
class Reference:
    diagnoses: list[str]
    drugs: list[str]
    origin: str  # summary | chart


def reference_facts(record: PatientRecord, lexicon: Lexicon) -> Reference:
    """Key facts: from the patient's own discharge summary when there is one, else the chart."""
    summary = next((d for d in record.documents if d.type == SUMMARY), None)
    if summary is not None:
        analysed = analyze(summary.text, tokens=False)
        names: list[str] = []
        drugs: list[str] = []
        for s in analysed.sections:
            body = summary.text[s.body_start : s.body_end]
            if s.name in ("diagnosis", "secondary_diagnosis"):
                names += [n.strip() for n in re.split(r"[、,\n]", body) if n.strip()]
            elif s.name == "discharge_medications":
                drugs += [h.canonical for h in lexicon.find(normalized(body)) if h.type == "medication"]
        if names or drugs:
            return Reference(names, list(dict.fromkeys(drugs)), "summary")
    drugs = []
    for m in record.medications:
        if (m.status or "") == "active":
            hit = next((h for h in lexicon.find(normalized(m.name)) if h.type == "medication"), None)
            drugs.append(hit.canonical if hit else m.name)
    return Reference([c.name for c in record.conditions], list(dict.fromkeys(drugs)), "chart")


def _draft_text(result: DraftResult) -> str:
    return "\n".join(
        s.text for sec in result.draft.sections for s in sec.sentences if not s.placeholder and s.supported
    )


def _present_disease(name: str, text: str) -> bool:
    key = name_key(name)
    return bool(key) and key in name_key(text)


def _present_drug(drug: str, text: str, lexicon: Lexicon) -> bool:
    if normalized(drug) in normalized(text):
        return True
    return any(h.type == "medication" and h.canonical == drug for h in lexicon.find(normalized(text)))


def options_for(document_type: str) -> DraftOptions:
    from karte.drafting.pipeline import Recipient

    return DraftOptions(
        document_type=document_type,
        mode="extractive",
        exclude_document_types=[SUMMARY],
        recipient=Recipient(purpose=EVAL_RECIPIENT_PURPOSE) if document_type == "referral_letter" else None,
    )


@dataclass
class Evaluation:
    drafter: Drafter
    lexicon: Lexicon
    mode: Literal["extractive", "llm"] = "extractive"
    sources: SourcesMode = "chart"
    seed: int = 7
    progress: Callable[[str], None] | None = None

    def run(self, records: Iterable[PatientRecord]) -> EvalReport:
        records = list(records)
        drugs = sorted(
            {m.name for r in records for m in r.medications}
            | {"ワルファリン", "ジゴキシン", "メトトレキサート"}
        )
        diseases = sorted(
            {c.name for r in records for c in r.conditions} | {"急性心筋梗塞", "肺塞栓症", "くも膜下出血"}
        )
        rng = random.Random(self.seed)
        types = {t: TypeReport() for t in DOCUMENT_TYPES}
        guard_report = {k: Ratio() for k in FAULT_KINDS}
        misses: list[str] = []
        origins: dict[str, int] = {}
        for record in records:
            ref = reference_facts(record, self.lexicon)
            origins[ref.origin] = origins.get(ref.origin, 0) + 1
            source_record = record if self.sources == "chart" else _notes_only(record)
            for document_type in DOCUMENT_TYPES:
                options = options_for(document_type).model_copy(update={"mode": self.mode})
                started = time.perf_counter()
                result = self.drafter.draft(source_record, options)
                report = types[document_type]
                report.seconds.append(time.perf_counter() - started)
                self._score(record.id, document_type, result, ref, report, misses)
                self._inject(result, drugs, diseases, rng, guard_report)
            if self.progress is not None:
                self.progress(record.id)
        return EvalReport(
            patients=len(records),
            mode=self.mode,
            sources=self.sources,
            types=types,
            guard=guard_report,
            misses=misses,
            reference=origins,
        )

    def _score(
        self,
        pid: str,
        document_type: str,
        result: DraftResult,
        ref: Reference,
        report: TypeReport,
        misses: list[str],
    ) -> None:
        report.drafts += 1
        required = [s for s in result.draft.sections if s.required]
        report.sections.add(sum(not s.missing for s in required), len(required))
        recheck = Guard(self.lexicon)
        for section in result.draft.sections:
            for sentence in section.sentences:
                again = recheck.check(sentence, result.sources)
                if again.issues and sentence.supported:
                    report.unflagged += len(again.issues)
        report.unsupported.add(
            recheck.stats.unsupported, max(recheck.stats.checked, recheck.stats.unsupported)
        )
        text = _draft_text(result)
        found_dx = [n for n in ref.diagnoses if _present_disease(n, text)]
        found_rx = [d for d in ref.drugs if _present_drug(d, text, self.lexicon)]
        report.diagnoses.add(len(found_dx), len(ref.diagnoses))
        report.medications.add(len(found_rx), len(ref.drugs))
        for n in ref.diagnoses:
            if n not in found_dx:
                misses.append(f"{pid} {document_type}: 病名 {n}")
        for d in ref.drugs:
            if d not in found_rx:
                misses.append(f"{pid} {document_type}: 薬剤 {d}")

    def _inject(
        self,
        result: DraftResult,
        drugs: list[str],
        diseases: list[str],
        rng: random.Random,
        out: dict[str, Ratio],
    ) -> None:
        guard = Guard(self.lexicon)
        for section in result.draft.sections:
            for sentence in section.sentences:
                if not sentence.supported:
                    continue
                for fault in inject_faults(sentence, result.sources, self.lexicon, drugs, diseases, rng):
                    checked = guard.check(fault.sentence, result.sources)
                    out[fault.kind].add(int(caught(fault, checked)), 1)


def _notes_only(record: PatientRecord) -> PatientRecord:
    return record.model_copy(
        update={"conditions": [], "medications": [], "observations": [], "allergies": []}
    )
