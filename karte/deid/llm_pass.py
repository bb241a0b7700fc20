"""Optional LLM pass for names the rules were unsure of.

The rules already propose every name-like text they see; those whose score stayed below the
threshold (a surname with no honorific, a name-shaped word after an unknown label …) are shown to
the LLM with their context, and the LLM only answers which of the numbered candidates are names
(schema-constrained: a list of the given numbers). It never writes a span or a string: the spans
are the rules' own, so every finding is verified against the text by construction.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, create_model

from karte.deid.detector import Detection, Detector
from karte.deid.types import NAME_TYPES, Candidate, Explanation, PiiSpan
from karte.text import normalize

TEMPLATE = "deid_names"
LLM_NAME_SCORE = 0.6
MIN_RULE_SCORE = 0.2
MAX_CANDIDATES = 40


class _Client(Protocol):
    def ask(
        self, template: str, variables: dict[str, Any], *, schema: type[BaseModel] | None = None
    ) -> Any: ...


def weak_name_candidates(detector: Detector, text: str, taken: list[tuple[int, int]]) -> list[Candidate]:
    """Name candidates below the threshold, not overlapping a finding (normalised offsets)."""
    norm = normalize(text).text
    threshold = detector.threshold
    seen: set[tuple[int, int]] = set()
    out = []
    for c in sorted(detector.raw_candidates(norm), key=lambda c: (c.start, -c.score)):
        if c.type not in NAME_TYPES or not MIN_RULE_SCORE <= c.score < threshold:
            continue
        span = (c.start, c.end)
        if span in seen or any(c.start < e and s < c.end for s, e in taken):
            continue
        seen.add(span)
        out.append(c)
    return out[:MAX_CANDIDATES]


def llm_name_pass(detector: Detector, client: _Client, text: str, found: list[Detection]) -> list[Detection]:
    """Ask the LLM which weak rule candidates are names; return them as findings."""
    nt = normalize(text)
    taken_norm = [(d.candidate.start, d.candidate.end) for d in found]
    cands = weak_name_candidates(detector, text, taken_norm)
    if not cands:
        return []
    options = tuple(str(i + 1) for i in range(len(cands)))
    schema: type[BaseModel] = create_model("DeidNames", names=(list[Literal[options]], ...))  # type: ignore[valid-type]
    listing = [
        {
            "n": i + 1,
            "name": nt.text[c.start : c.end],
            "context": nt.text[max(0, c.start - 15) : c.start]
            + "【"
            + nt.text[c.start : c.end]
            + "】"
            + nt.text[c.end : c.end + 10],
        }
        for i, c in enumerate(cands)
    ]
    result = client.ask(TEMPLATE, {"candidates": listing}, schema=schema)
    chosen = {int(n) for n in (result.parsed or {}).get("names", []) if str(n) in options}
    backend = getattr(getattr(result, "audit", None), "model", "llm")
    out = []
    for i in sorted(chosen):
        c = cands[i - 1]
        start, end = nt.to_original(c.start, c.end)
        note = f"LLM ({backend}) chose rule candidate {i} (rule score {c.score:.2f}) as a name"
        span = PiiSpan(
            start=start,
            end=end,
            type="PERSON_NAME",
            text=text[start:end],
            score=LLM_NAME_SCORE,
            explanation=Explanation(
                recognizer="llm_name_pass",
                pattern=c.pattern,
                source="llm",
                context=c.context,
                score=LLM_NAME_SCORE,
                note=note,
            ),
        )
        c.type, c.score, c.source = "PERSON_NAME", LLM_NAME_SCORE, "llm"
        out.append(Detection(span, c))
    return out
