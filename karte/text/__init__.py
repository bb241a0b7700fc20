"""Text layer: normalisation with an offset map, sections, sentences, Sudachi tokens.

All offsets returned by this package refer to the ORIGINAL text.
"""

from __future__ import annotations

from dataclasses import dataclass

from karte.records.models import Section
from karte.text.normalize import NormalizedText, normalize
from karte.text.sections import canonical_section, sectionize
from karte.text.sentences import Sentence, split_sentences
from karte.text.tokens import Token, blank_pipeline, tokenize


@dataclass
class AnalyzedText:
    """One note through the whole text layer."""

    normalized: NormalizedText
    sections: list[Section]
    sentences: list[Sentence]
    tokens: list[Token]

    @property
    def original(self) -> str:
        return self.normalized.original


def analyze(text: str, *, tokens: bool = True) -> AnalyzedText:
    """Normalise, sectionize, split into sentences and (optionally) tokenise ``text``."""
    nt = normalize(text)
    sections = sectionize(nt)
    sentences = split_sentences(nt, sections)
    return AnalyzedText(nt, sections, sentences, tokenize(nt) if tokens else [])


__all__ = [
    "AnalyzedText",
    "NormalizedText",
    "Sentence",
    "Token",
    "analyze",
    "blank_pipeline",
    "canonical_section",
    "normalize",
    "sectionize",
    "split_sentences",
    "tokenize",
]
