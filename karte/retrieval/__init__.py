"""Retrieval: a knowledge index over passages (BM25 on Sudachi terms fused with dense vectors)."""

from __future__ import annotations

from karte.retrieval.index import KnowledgeIndex
from karte.retrieval.models import Hit, IndexConfig, Passage

__all__ = ["Hit", "IndexConfig", "KnowledgeIndex", "Passage"]
