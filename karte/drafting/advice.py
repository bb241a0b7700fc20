"""Grounding patient advice in the disease knowledge base (RAG over the patient's own diagnoses).

Each diagnosis of the chart is matched to a knowledge-base entry by its ICD-10 code (the entry's code
is a prefix of the diagnosis code: I63 ⊂ I63.9), else by name or alias (brackets ignored:
尿路感染症（急性腎盂腎炎） → 尿路感染症). The matched entry's passages (``<id>#overview``,
``#daily_life``, ``#see_doctor_urgently``) become citable sources, and each sentence or bullet of
them a fact. Entries are written for patients but not yet reviewed by a clinician
(``reviewed: false``); the draft says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from karte.drafting.facts import FactSet, name_key
from karte.drafting.models import Citation, Fact, FactKind, SourceDocument
from karte.knowledge import DiseaseEntry, disease_passages, load_disease_kb

_FIELDS: dict[str, FactKind] = {
    "overview": "kb_overview",
    "daily_life": "kb_daily_life",
    "see_doctor_urgently": "kb_urgent",
}
MIN_ALIAS = 2


@dataclass
class KnowledgeMatch:
    diagnosis: Fact
    entry: DiseaseEntry
    how: str  # "ICD-10 I63 ⊂ I63.9" | "病名 …"


def match_entries(diagnoses: list[Fact], entries: list[DiseaseEntry] | None = None) -> list[KnowledgeMatch]:
    """The knowledge-base entry of each diagnosis that has one (one entry used once, first diagnosis wins)."""
    kb = entries if entries is not None else load_disease_kb()
    used: set[str] = set()
    out = []
    for dx in diagnoses:
        match = _by_code(dx, kb) or _by_name(dx, kb)
        if match is not None and match.entry.id not in used:
            used.add(match.entry.id)
            out.append(match)
    return out


def _by_code(dx: Fact, kb: list[DiseaseEntry]) -> KnowledgeMatch | None:
    for code in (c.code for c in dx.codes if c.system == "icd10"):
        best = None
        for entry in kb:
            if code == entry.icd10 or ("." not in entry.icd10 and code.split(".")[0] == entry.icd10):
                if best is None or len(entry.icd10) > len(best.icd10):
                    best = entry
        if best is not None:
            return KnowledgeMatch(dx, best, f"ICD-10 {best.icd10} ⊂ {code}")
    return None


def _by_name(dx: Fact, kb: list[DiseaseEntry]) -> KnowledgeMatch | None:
    key = name_key(dx.name or dx.text)
    for entry in kb:
        for name in (entry.name, *entry.aliases):
            if len(name) >= MIN_ALIAS and name_key(name) == key:
                return KnowledgeMatch(dx, entry, f"病名「{name}」 (name or alias)")
    return None


def knowledge_facts(matches: list[KnowledgeMatch], facts: FactSet) -> list[SourceDocument]:
    """Add the facts of the matched entries to ``facts``; return the passages as sources."""
    sources: list[SourceDocument] = []
    for match in matches:
        for passage in disease_passages([match.entry]):
            field = str(passage.metadata.get("field"))
            if field not in _FIELDS:
                continue
            sources.append(
                SourceDocument(
                    id=passage.id,
                    kind="knowledge",
                    type=str(passage.metadata.get("field_label")),
                    title=f"{match.entry.name}: {passage.metadata.get('field_label')}",
                    text=passage.text,
                )
            )
            for start, end in _pieces(passage.text, field):
                facts.add(
                    Fact(
                        id="",
                        kind=_FIELDS[field],
                        text=passage.text[start:end],
                        name=match.diagnosis.name,
                        rank=match.diagnosis.rank,
                        citations=[Citation(document=passage.id, start=start, end=end)],
                    )
                )
    return sources


def _pieces(text: str, field: str) -> list[tuple[int, int]]:
    """Bullets (``・…`` lines) of list passages; the first sentence of the overview."""
    if field == "overview":
        m = re.match(r"[^。]+。", text)
        return [(0, m.end())] if m else [(0, len(text))]
    out = []
    for m in re.finditer(r"^・(.+)$", text, re.M):
        out.append((m.start(1), m.end(1)))
    return out
