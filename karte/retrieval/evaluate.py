"""Top-k accuracy of an index on labelled queries (for tests, benchmarks and sites' own checks).

A labelled query names the acceptable answers by a metadata value (``disease_id`` for the disease
knowledge base); it counts as answered when any of the first ``k`` hits carries one of them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from karte.retrieval.index import KnowledgeIndex
from karte.retrieval.models import SearchMode


class LabelledQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: str = Field(min_length=1)
    expect: list[str] = Field(min_length=1)
    style: str | None = None

    @field_validator("expect", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class Miss(BaseModel):
    query: str
    expected: list[str]
    got: list[str]


class Accuracy(BaseModel):
    mode: SearchMode
    k: int
    n: int
    correct: int
    misses: list[Miss]

    @property
    def value(self) -> float:
        return self.correct / self.n if self.n else 0.0


def top_k_accuracy(
    index: KnowledgeIndex,
    queries: list[LabelledQuery],
    *,
    k: int = 3,
    mode: SearchMode = "fused",
    label_field: str = "disease_id",
) -> Accuracy:
    correct = 0
    misses: list[Miss] = []
    for query in queries:
        got = [str(h.passage.metadata.get(label_field)) for h in index.search(query.q, k=k, mode=mode)]
        if any(e in got for e in query.expect):
            correct += 1
        else:
            misses.append(Miss(query=query.q, expected=query.expect, got=got))
    return Accuracy(mode=mode, k=k, n=len(queries), correct=correct, misses=misses)
