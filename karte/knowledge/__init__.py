"""Built-in knowledge: a Japanese disease knowledge base for patients, and its search index."""

from __future__ import annotations

from karte.knowledge.diseases import disease_index, disease_passages, load_disease_kb
from karte.knowledge.models import DiseaseEntry, Source

__all__ = ["DiseaseEntry", "Source", "disease_index", "disease_passages", "load_disease_kb"]
