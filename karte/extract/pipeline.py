"""The extraction pipeline: dictionary matcher → CRF NER → attribute rules/classifier, offsets mapped back.

This is the fast direct path (no spaCy objects); :mod:`karte.extract.spacy_components` wraps the same
components as spaCy factories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from karte.extract.attributes import AttributeAssigner, NoteContext
from karte.extract.certainty_model import CertaintyModel, NoteView
from karte.extract.context import ContextRules, context_rules
from karte.extract.dictionary import DictionaryMatcher, DictMatch, default_matcher, longest_per_type
from karte.extract.features import SudachiToken, char_features, sudachi_tokens
from karte.extract.ner import NerModel
from karte.extract.offsets import original_to_normalized
from karte.extract.schema import Mention
from karte.extract.tidy import split_at_routes, tidy
from karte.records.models import Section
from karte.text import NormalizedText, normalize, sectionize
from karte.text.sections import section_at

# Dictionary-only mentions are added for these types where the model found nothing overlapping
# (curated tables: precise). MEDIS disease names and anatomy are used only as model features.
DICTIONARY_ONLY_TYPES: tuple[str, ...] = ("medication", "test_key", "test")
DICTIONARY_SCORE = 0.6


@dataclass
class NoteState:
    """One note between the steps: normalised text, tokens, dictionary matches, mentions (normalised)."""

    nt: NormalizedText
    tokens: list[SudachiToken]
    matches: list[DictMatch]
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class ExtractedNote:
    """Mentions of one note with ORIGINAL offsets, plus what was computed on the way."""

    text: str
    mentions: list[Mention]
    sections: list[Section] = field(default_factory=list)

    def section_of(self, mention: Mention) -> str | None:
        s = section_at(self.sections, mention.start)
        return s.name if s else None


class Extractor:
    """Find entities and their attributes in Japanese clinical text."""

    def __init__(
        self,
        model: NerModel | None = None,
        matcher: DictionaryMatcher | None = None,
        certainty_rules: ContextRules | None = None,
        state_rules: ContextRules | None = None,
        certainty_model: CertaintyModel | None = None,
        dictionary_only_types: tuple[str, ...] = DICTIONARY_ONLY_TYPES,
    ) -> None:
        self.model = model or NerModel()
        self.matcher = matcher or default_matcher()
        self.certainty_rules = certainty_rules or context_rules()
        self.state_rules = state_rules or context_rules("ja", "state_rules.yaml")
        self.assigner = AttributeAssigner(
            self.certainty_rules, self.state_rules, certainty_model or CertaintyModel()
        )
        self.dictionary_only_types = dictionary_only_types

    def extract(self, text: str) -> ExtractedNote:
        state = self.prepare(text)
        self.detect(state)
        return self.attribute(state)

    # The steps, usable one by one (the spaCy components run them as separate pipes).
    def prepare(self, text: str) -> NoteState:
        """Normalise, tokenise and run the dictionary matcher."""
        nt = normalize(text)
        tokens = sudachi_tokens(nt.text)
        return NoteState(nt, tokens, self.matcher.matches(nt.text))

    def detect(self, state: NoteState) -> list[Mention]:
        """Model mentions, plus dictionary-only mentions of the precise curated types."""
        norm = state.nt.text
        spans = self.model.predict(char_features(norm, state.tokens, state.matches))
        mentions = [Mention(s.start, s.end, s.type, s.score, "model", "CRF NER") for s in spans]
        mentions = [piece for m in mentions if tidy(m, norm) for piece in split_at_routes(m, norm)]
        state.mentions = self._add_dictionary(mentions, state.matches)
        return state.mentions

    def attribute(self, state: NoteState) -> ExtractedNote:
        """Certainty, state, history and family of every mention; offsets mapped to the original."""
        nt = state.nt
        sections = sectionize(nt)
        mapping = original_to_normalized(nt) if nt.n_starts else None
        boundaries = sorted({(mapping[s.start] if mapping else s.start) for s in sections} - {0})
        note = self._note_context(nt.text, state.tokens, boundaries)
        for m in state.mentions:
            o_start, _ = nt.to_original(m.start, m.end)
            section = section_at(sections, o_start)
            self.assigner.assign(m, note, section.name if section else None)
        return ExtractedNote(nt.original, [_to_original(m, nt) for m in state.mentions], sections)

    def _note_context(self, norm: str, tokens: list[SudachiToken], boundaries: list[int]) -> NoteContext:
        certainty = self.certainty_rules.scan(norm)
        certainty.add_boundaries(boundaries)
        state = self.state_rules.scan(norm)
        state.add_boundaries(boundaries)
        return NoteContext(certainty, state, NoteView.of(norm, tokens, certainty))

    def _add_dictionary(self, mentions: list[Mention], matches: list[DictMatch]) -> list[Mention]:
        if not self.dictionary_only_types:
            return mentions
        taken = sorted((m.start, m.end) for m in mentions)
        extra: list[Mention] = []
        for type_ in self.dictionary_only_types:
            for d in longest_per_type(matches, type_):
                if any(s < d.end and d.start < e for s, e in taken):
                    continue
                term = d.term(type_)
                assert term is not None
                extra.append(
                    Mention(
                        d.start,
                        d.end,
                        type_,
                        DICTIONARY_SCORE,
                        "dictionary",
                        f"{term.canonical} — {term.source}",
                    )
                )
                taken.append((d.start, d.end))
        return sorted([*mentions, *extra], key=lambda m: (m.start, m.end))


def _to_original(m: Mention, nt: NormalizedText) -> Mention:
    if not nt.n_starts:
        return m
    m.start, m.end = nt.to_original(m.start, m.end)
    m.triggers = [(*nt.to_original(s, e), why) for s, e, why in m.triggers]
    return m


@lru_cache(maxsize=1)
def default_extractor() -> Extractor:
    """The extractor with the committed models and the default resources (built once per process)."""
    return Extractor()
