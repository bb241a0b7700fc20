"""The LLM filler: the model writes a section's prose from numbered facts; code attaches the spans.

The model sees only the facts the extractive filler chose for the section (``F3: 6月3日 …``) and must
answer with ``{"sentences": [{"text", "facts": ["F3", …]}]}``: the schema (a grammar on the
embedded backend) allows only the ids of those facts, at least one per sentence. The model never
writes a span: each sentence gets the citations of the facts it names, and the faithfulness guard
then checks the sentence against exactly those source spans.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from karte.drafting.compose import ja_date
from karte.drafting.facts import FactSet
from karte.drafting.models import Citation, DraftSection, DraftSentence, Fact
from karte.drafting.plans import SectionPlan
from karte.llm import GenerationParams, LLMAudit, LLMClient, PromptSection

MAX_FACTS_PER_SENTENCE = 4
TOKENS_PER_SENTENCE = 70  # Japanese clinical sentence plus its JSON
MAX_LLM_SENTENCES = 4
MAX_LLM_FACTS = 10  # facts per call: keeps a section's prompt short on 2 CPU cores
PATIENT_SECTIONS = frozenset({"care_plan"})


def section_schema(fact_ids: list[str], max_sentences: int) -> type[BaseModel]:
    """``{"sentences": [{"text", "facts"}]}`` where facts may only be the given ids."""
    fact_id: Any = Literal[tuple(fact_ids)]
    sentence = create_model(
        "DraftLLMSentence",
        text=(str, Field(min_length=1)),  # no maxLength: it makes the llama.cpp grammar very slow
        facts=(list[fact_id], Field(min_length=1, max_length=MAX_FACTS_PER_SENTENCE)),
    )
    model: type[BaseModel] = create_model(
        "DraftLLMSection",
        sentences=(list[sentence], Field(min_length=1, max_length=max_sentences)),
    )
    return model


def fact_line(fact: Fact) -> str:
    date = (
        f"{ja_date(fact.date, year=False)} "
        if fact.date is not None and fact.kind not in ("diagnosis", "comorbidity")
        else ""
    )
    return f"{fact.id}: {date}{fact.text}"


class LLMFiller:
    def __init__(self, client: LLMClient) -> None:
        self.client = client

    def fill(
        self, plan: SectionPlan, extractive: DraftSection, facts: FactSet, document_title: str
    ) -> tuple[list[DraftSentence], LLMAudit] | None:
        """Sentences written by the model for this section, or None when there are no facts to write from."""
        used: list[Fact] = []
        for sentence in extractive.sentences:
            for fid in sentence.facts:
                fact = facts.get(fid)
                if fact is not None and fact not in used:
                    used.append(fact)
        if not used:
            return None
        used = used[:MAX_LLM_FACTS]
        max_sentences = min(plan.max, MAX_LLM_SENTENCES, len(used))
        schema = section_schema([f.id for f in used], max_sentences)
        patient = plan.code in PATIENT_SECTIONS
        result = self.client.ask(
            "draft_advice" if patient else "draft_section",
            {"document_title": document_title, "section_title": plan.title, "max_sentences": max_sentences},
            sections={"facts": PromptSection(items=[fact_line(f) for f in used], priority=0)},
            schema=schema,
            params=GenerationParams(max_tokens=TOKENS_PER_SENTENCE * max_sentences + 32),
        )
        assert result.parsed is not None
        by_id = {f.id: f for f in used}
        sentences = []
        seen: set[str] = set()
        for item in result.parsed["sentences"]:
            text = str(item["text"]).strip()
            if not text or text in seen:
                continue  # small models repeat themselves
            seen.add(text)
            ids = list(dict.fromkeys(str(x) for x in item["facts"]))
            cites: list[Citation] = []
            for fid in ids:
                fact = by_id[fid]
                for c in [*fact.citations, *([fact.date_citation] if fact.date_citation else [])]:
                    if c not in cites:
                        cites.append(c)
            sentences.append(DraftSentence(text=text, citations=cites, facts=ids, source="llm"))
        return sentences, result.audit
