"""Optional LLM review of low-confidence certainty decisions (``{"llm": true}``, ``--llm``).

The extractor's spans and its four certainty values are the only options: the model is shown the
sentence and the finding and must answer one of ``positive | negative | suspicious | general``
(schema-constrained decoding, validated with pydantic). It never writes spans. Only mentions whose
certainty score is below ``threshold`` are sent; the LLM's choice replaces the certainty and is
recorded with its audit (template, prompt hash, model) in the rationale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from karte.extract.pipeline import ExtractedNote
from karte.extract.schema import Mention
from karte.llm import GenerationParams, LLMClient

REVIEW_THRESHOLD = 0.6
TEMPLATE = "extract_review"
CHOICES = [
    {"value": "positive", "description": "患者にあると書かれている (present in this patient)"},
    {"value": "negative", "description": "ないと書かれている・消失した (denied or resolved)"},
    {"value": "suspicious", "description": "疑い・可能性にとどまる (only suspected)"},
    {
        "value": "general",
        "description": "この患者ではなく一般論・家族のこと (a general statement or a relative)",
    },
]


class CertaintyChoice(BaseModel):
    certainty: Literal["positive", "negative", "suspicious", "general"]


@dataclass
class ReviewOutcome:
    reviewed: int = 0
    changed: int = 0


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence (up to 。 or a line break) holding ``text[start:end]``."""
    left = max(text.rfind("。", 0, start), text.rfind("\n", 0, start)) + 1
    stops = [i for i in (text.find("。", end), text.find("\n", end)) if i >= 0]
    right = min(stops) + 1 if stops else len(text)
    return text[left:right].strip()


def needs_review(m: Mention, threshold: float = REVIEW_THRESHOLD) -> bool:
    return m.type == "disease" and m.attribute_score is not None and m.attribute_score < threshold


def review_note(note: ExtractedNote, client: LLMClient, threshold: float = REVIEW_THRESHOLD) -> ReviewOutcome:
    outcome = ReviewOutcome()
    for m in note.mentions:
        if not needs_review(m, threshold):
            continue
        result = client.ask(
            TEMPLATE,
            {
                "sentence": sentence_around(note.text, m.start, m.end),
                "finding": note.text[m.start : m.end],
                "choices": CHOICES,
            },
            schema=CertaintyChoice,
            params=GenerationParams(max_tokens=24, temperature=0.0),
        )
        if result.parsed is None:
            continue
        choice = CertaintyChoice.model_validate(result.parsed).certainty
        outcome.reviewed += 1
        audit = result.audit
        if choice != m.certainty:
            outcome.changed += 1
        m.attribute_rationale = (
            f"LLM ({audit.backend}:{audit.model}) が候補から選択: {choice} (was {m.certainty}); "
            f"プロンプト {audit.template} sha256 {audit.prompt_sha256[:12]}. "
            f"元の判定 (before): {m.attribute_rationale}"
        )
        m.certainty = choice
        m.attribute_source = "llm"
    return outcome
