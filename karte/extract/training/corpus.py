"""MedTxt documents as training examples: normalised text, character features and BIO labels."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from karte.extract.dictionary import DictionaryMatcher, default_matcher
from karte.extract.features import char_features, sudachi_tokens
from karte.extract.offsets import original_to_normalized
from karte.extract.schema import ENTITY_TYPES
from karte.records.loaders import load_path
from karte.records.models import Document, GoldEntity
from karte.text import NormalizedText, normalize

OUTSIDE = "O"
BIOES = False  # label scheme: BIOES (B-, I-, E-, S-); False gives BIO


def medtxt_documents(paths: Iterable[Path | str]) -> Iterator[Document]:
    """Every document with gold annotations in the MedTxt files or folders given."""
    for path in paths:
        for item in load_path(path):
            documents = getattr(item, "documents", None)
            if documents:
                yield from documents


def bio_labels(nt: NormalizedText, gold: Iterable[GoldEntity]) -> list[str]:
    """BIO labels of the normalised text; entities of unknown types are ignored."""
    mapping = original_to_normalized(nt)
    labels = [OUTSIDE] * len(nt.text)
    for g in sorted(gold, key=lambda e: (e.start, -e.end)):
        if g.type not in ENTITY_TYPES:
            continue
        s, e = mapping[g.start], mapping[g.end]
        if g.end > g.start and e <= s:
            e = s + 1
        if any(label != OUTSIDE for label in labels[s:e]):
            continue  # nested or overlapping: keep the first (outer) span
        labels[s : s + 1] = [f"B-{g.type}"]
        for i in range(s + 1, e):
            labels[i] = f"I-{g.type}"
        if BIOES:
            if e - s == 1:
                labels[s] = f"S-{g.type}"
            else:
                labels[e - 1] = f"E-{g.type}"
    return labels


@dataclass
class Example:
    document_id: str
    features: list[list[str]]
    labels: list[str]


def make_example(doc: Document, matcher: DictionaryMatcher | None = None) -> Example:
    nt = normalize(doc.text)
    m = matcher or default_matcher()
    feats = char_features(nt.text, sudachi_tokens(nt.text), m.matches(nt.text))
    return Example(doc.id, feats, bio_labels(nt, doc.gold))
