"""LLM fallback of the compiler: the model proposes a kind and copies a phrase; code verifies it.

The proposal is accepted only when the phrase is in the criterion text and resolves through the same
vocabularies the rules use (an ICD-10 code set, a drug or class, a lab analyte), and a number it gives
is written in the text. The model never writes a code. Anything else becomes a free-text check.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from karte.llm import GenerationParams, LLMError
from karte.screening.compiler.grammar import grammar
from karte.screening.lazy_llm import Asker
from karte.screening.models import (
    AgeCheck,
    Check,
    CompiledCriterion,
    DiagnosisCheck,
    DiagnosisStatus,
    LabCheck,
    MedicationCheck,
    SexCheck,
    Timing,
)
from karte.screening.vocab import disease_vocabulary, drug_table, lab_table
from karte.text import normalize

TEMPLATE = "criteria_compile"
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


class CompileProposal(BaseModel):
    kind: Literal["diagnosis", "medication", "lab", "age", "sex", "other"]
    phrase: str = Field(max_length=40)
    comparator: Literal[">=", ">", "<=", "<", "none"]
    value: float | None
    negated: bool


def _verify(p: CompileProposal, text: str) -> tuple[Check | None, str]:
    s = normalize(text).text
    phrase = normalize(p.phrase).text.strip()
    if not phrase or phrase not in s:
        return None, f"語句「{p.phrase}」が基準文にない (phrase not in the criterion)"
    numbers = {float(n) for n in _NUMBER.findall(s)}
    if p.kind == "diagnosis":
        found = disease_vocabulary().resolve(phrase)
        if found is None:
            return None, f"「{phrase}」を ICD-10 に対応付けられない (no ICD-10 code set)"
        g = grammar()
        status: DiagnosisStatus = "ever" if any(w in s for w in g.dx_ever) else "current"
        return DiagnosisCheck(label=phrase, codes=found.codes, status=status), found.rationale
    if p.kind == "medication":
        hits = drug_table().find(phrase)
        if not hits:
            return None, f"「{phrase}」は薬剤表にない (not in the drug table)"
        classes = [v for h in hits for k, v in h.values if k == "class"]
        drugs = [v for h in hits for k, v in h.values if k == "drug"]
        g = grammar()
        timing: Timing = "ever" if any(w in s for w in g.timing_ever) else "current"
        check = MedicationCheck(label=phrase, classes=classes, drugs=drugs, timing=timing)
        return check, "薬剤表で確認"
    if p.kind in ("lab", "age"):
        if p.comparator == "none" or p.value is None or p.value not in numbers:
            return None, "比較と数値が基準文と一致しない (comparison or number not in the text)"
        if p.kind == "age":
            n = int(p.value)
            lo, hi = {">=": (n, None), ">": (n + 1, None), "<=": (None, n), "<": (None, n - 1)}[p.comparator]
            return AgeCheck(min=lo, max=hi), "年齢の比較"
        analyte = lab_table().analyte_of_name(phrase)
        if analyte is None:
            return None, f"「{phrase}」は検査表にない (not a known lab item)"
        return (
            LabCheck(
                label=phrase, analyte=analyte.key, op=p.comparator, value=p.value, unit=analyte.unit or ""
            ),
            "検査表で確認",
        )
    if p.kind == "sex" and ("男" in phrase) != ("女" in phrase):
        return SexCheck(sex="male" if "男" in phrase else "female"), "性別"
    return None, "検証できる条件がない (nothing verifiable)"


def compile_with_llm(text: str, client: Asker) -> CompiledCriterion | None:
    """A verified compiled form from the LLM's proposal, or None (the caller falls back to free text)."""
    try:
        result = client.ask(
            TEMPLATE, {"text": text}, schema=CompileProposal, params=GenerationParams(max_tokens=96)
        )
    except LLMError:
        return None
    if result.parsed is None:
        return None
    proposal = CompileProposal.model_validate(result.parsed)
    check, why = _verify(proposal, text)
    if check is None:
        return None
    note = f"LLM 提案を検証: {proposal.kind}「{proposal.phrase}」— {why} ({result.audit.template})"
    return CompiledCriterion(checks=[check], negated=proposal.negated, source="llm", text=text, notes=[note])
