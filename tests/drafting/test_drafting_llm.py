"""The LLM filler with the real llama.cpp engine and the small embedded model (kept to one call)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from karte.config import get_settings
from karte.drafting.fhir import validate_bundle
from karte.drafting.llm_filler import section_schema
from karte.drafting.pipeline import Drafter, DraftOptions
from karte.llm import Budget, make_client
from karte.records.models import PatientRecord


def test_schema_allows_only_the_given_fact_ids() -> None:
    schema = section_schema(["F3", "F7"], 2)
    ok = schema.model_validate({"sentences": [{"text": "転院を調整した。", "facts": ["F7"]}]})
    assert ok.model_dump()["sentences"][0]["facts"] == ["F7"]
    for bad in (
        {"sentences": [{"text": "x", "facts": ["F9"]}]},  # a fact that was not given
        {"sentences": [{"text": "x", "facts": []}]},  # a sentence without a fact
        {"sentences": [{"text": "x", "facts": ["F3"]}] * 3},  # more sentences than allowed
    ):
        with pytest.raises(ValidationError):
            schema.model_validate(bad)


def test_llm_sentences_cite_the_facts_they_name(
    llm_env: Path, drafter: Drafter, cohort: dict[str, PatientRecord]
) -> None:
    client = make_client(
        get_settings(), budget=Budget(max_calls=1)
    )  # one real call, then the budget is spent
    llm_drafter = Drafter(drafter.lexicon, drafter.coder, lambda: client)
    options = DraftOptions(
        document_type="discharge_summary",
        mode="llm",
        sections=["discharge_plan", "discharge_status"],
        exclude_document_types=["退院時サマリー"],
    )
    result = llm_drafter.draft(cohort["D001"], options)
    draft = result.draft
    assert draft.mode == "llm"
    (audit,) = result.llm
    assert audit.template == "draft_section.v1" and audit.backend == "embedded"
    assert audit.structured_mode == "grammar"

    written, fallback = draft.sections
    facts = {f.id: f for f in draft.facts}
    assert written.sentences and all(s.source == "llm" for s in written.sentences)
    for sentence in written.sentences:
        assert sentence.facts, sentence.text
        expected = []
        for fid in sentence.facts:
            fact = facts[fid]
            assert fact.kind == "plan"  # only the facts offered for this section
            for c in [*fact.citations, *([fact.date_citation] if fact.date_citation else [])]:
                if c not in expected:
                    expected.append(c)
        assert sentence.citations == expected  # spans attached by code, not written by the model
        assert sentence.supported == (not sentence.issues)  # the guard checked it
    assert all(s.source == "extractive" for s in fallback.sentences)
    assert any("LLM" in w and fallback.title in w for w in draft.warnings)
    validate_bundle(result.fhir)
