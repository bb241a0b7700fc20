"""Data models of the retrieval layer: passages, hits, index settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Fusion = Literal["weighted", "rrf"]
SearchMode = Literal["fused", "bm25", "dense"]


class Passage(BaseModel):
    """One retrievable unit of text.

    ``metadata`` is kept as given and returned with every hit (it must be JSON-serialisable for
    :meth:`KnowledgeIndex.save`). A string ``metadata["title"]`` is indexed together with the
    text (so a passage about daily life with diabetes is found by the disease name) but is not
    part of ``text``, which is what callers quote and cite.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    text: str
    metadata: dict[str, Any] = Field(default_factory=dict)

    def indexed_text(self) -> str:
        title = self.metadata.get("title")
        return f"{title}\n{self.text}" if isinstance(title, str) and title else self.text


class Hit(BaseModel):
    """A passage found by a search, with its fused score and the component scores, all in [0, 1].

    ``bm25`` is the share of the query's term weight (IDF) that the passage matches, with BM25
    term-frequency saturation: the raw Lucene BM25 score × (k1 + 1) / Σ IDF of the query's distinct
    terms, clipped to 1 (1.0: every query term once in a passage of average length; a query term
    the index has never seen counts with the IDF of a term seen once, so it lowers every score);
    ``dense`` is the cosine similarity of the sentence vectors, negative values clipped to 0.
    A component is None when the index does not have it.
    """

    passage: Passage
    score: float = Field(ge=0.0, le=1.0)
    bm25: float | None = Field(default=None, ge=0.0, le=1.0)
    dense: float | None = Field(default=None, ge=0.0, le=1.0)


class IndexConfig(BaseModel):
    """How an index scores; stored in its manifest.

    The defaults were chosen on the disease knowledge base with ``bench/bench_retrieval.py``
    (weighted sum against reciprocal-rank fusion, and a sweep of ``bm25_weight``).
    """

    model_config = ConfigDict(extra="forbid")

    dense: bool = True
    fusion: Fusion = "weighted"
    bm25_weight: float = Field(default=0.5, ge=0.0, le=1.0)
    rrf_k: int = Field(default=60, ge=1)
    k1: float = Field(default=1.5, gt=0.0)
    b: float = Field(default=0.75, ge=0.0, le=1.0)
