"""The extraction schema: MedTxt (PRISM) entity types with Karte names, and their attributes.

| Karte type        | PRISM tag | what                                        | attribute  |
|-------------------|-----------|---------------------------------------------|------------|
| disease           | d         | diseases, symptoms, findings                | certainty  |
| anatomy           | a         | body sites                                  |            |
| feature           | f         | features (size, shape, degree)              |            |
| change            | c         | changes (出現, 改善, 増悪)                    |            |
| time              | timex3    | times, dates, ages, durations               |            |
| test              | t-test    | tests and examinations (CT, 生検)            | state      |
| test_key          | t-key     | test items (AST, CRP)                       |            |
| test_value        | t-val     | test results (陰性, 120 U/L)                 |            |
| medication        | m-key     | drug names and classes                      | state      |
| medication_value  | m-val     | doses                                       |            |
| remedy            | r         | treatments other than drugs (手術, 化学療法) | state      |
| clinical_context  | cc        | encounters (入院, 受診, 紹介)                 |            |
| pending           | p         | everything else worth tagging               |            |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ENTITY_TYPES: tuple[str, ...] = (
    "disease",
    "anatomy",
    "feature",
    "change",
    "time",
    "test",
    "test_key",
    "test_value",
    "medication",
    "medication_value",
    "remedy",
    "clinical_context",
    "pending",
)
Certainty = Literal["positive", "negative", "suspicious", "general"]
State = Literal["executed", "negated", "scheduled", "other"]
CERTAINTIES: tuple[str, ...] = ("positive", "negative", "suspicious", "general")
STATES: tuple[str, ...] = ("executed", "negated", "scheduled", "other")
STATE_TYPES = frozenset({"test", "medication", "remedy"})
ComponentName = Literal["dictionary", "model", "rule", "llm"]


@dataclass(slots=True)
class Mention:
    """One entity found in a note; offsets into the NORMALISED text until mapped back."""

    start: int
    end: int
    type: str
    score: float
    component: ComponentName
    detail: str = ""  # dictionary entry, model name …
    certainty: str | None = None
    state: str | None = None
    triggers: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, rule) in the note
    attribute_source: ComponentName | None = None
    attribute_rationale: str = ""
    attribute_score: float | None = None
    historical: bool = False
    family: bool = False
