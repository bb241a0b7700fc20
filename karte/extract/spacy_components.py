"""The extraction components as spaCy factories, over :func:`karte.text.blank_pipeline`.

    nlp = extraction_pipeline()          # karte_dictionary → karte_ner → karte_context
    doc = nlp("胸部CTで肺炎を疑う。胸水は認めない。")
    [(e.text, e.label_, e._.certainty) for e in doc.ents]

* ``karte_dictionary``: dictionary matches in ``doc.spans["karte_dictionary"]`` (label = type);
* ``karte_ner``: the CRF model's (and dictionary-only) mentions as ``doc.ents``;
* ``karte_context``: ``Span._.certainty``, ``._.state``, ``._.historical``, ``._.family``, ``._.score``.

The tokenizer is Sudachi mode C; the model tags characters, so an entity boundary inside a token is
widened to the token (``alignment_mode="expand"``); the exact character offsets are kept in
``doc._.karte_entities``. The direct path (:class:`karte.extract.pipeline.Extractor`) is faster.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from karte.extract.pipeline import Extractor, NoteState, default_extractor
from karte.extract.schema import Mention
from karte.text import blank_pipeline

_STATE_KEY = "karte_extract_state"


def _register_extensions() -> None:
    for name in ("certainty", "state", "historical", "family", "score", "component"):
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)
    if not Doc.has_extension("karte_entities"):
        Doc.set_extension("karte_entities", default=None)


def _state(doc: Doc, extractor: Extractor) -> NoteState:
    state = doc.user_data.get(_STATE_KEY)
    if state is None:
        state = extractor.prepare(doc.text)
        doc.user_data[_STATE_KEY] = state
    assert isinstance(state, NoteState)
    return state


def _span(doc: Doc, start: int, end: int, label: str) -> Span | None:
    span: Span | None = doc.char_span(start, end, label=label, alignment_mode="expand")
    return span


class DictionaryComponent:
    def __init__(self, extractor: Extractor) -> None:
        self.extractor = extractor

    def __call__(self, doc: Doc) -> Doc:
        state = _state(doc, self.extractor)
        spans = []
        for m in state.matches:
            start, end = state.nt.to_original(m.start, m.end)
            for term in m.terms:
                span = _span(doc, start, end, term.type)
                if span is not None:
                    spans.append(span)
        doc.spans["karte_dictionary"] = spans
        return doc


class NerComponent:
    def __init__(self, extractor: Extractor) -> None:
        self.extractor = extractor

    def __call__(self, doc: Doc) -> Doc:
        state = _state(doc, self.extractor)
        self.extractor.detect(state)
        spans = []
        for m in state.mentions:
            start, end = state.nt.to_original(m.start, m.end)
            span = _span(doc, start, end, m.type)
            if span is not None:
                span._.score = m.score
                span._.component = m.component
                spans.append(span)
        doc.ents = filter_spans(spans)
        return doc


class ContextComponent:
    def __init__(self, extractor: Extractor) -> None:
        self.extractor = extractor

    def __call__(self, doc: Doc) -> Doc:
        state = _state(doc, self.extractor)
        note = self.extractor.attribute(state)
        by_span: dict[tuple[int, int], Mention] = {}
        for m in note.mentions:
            span = _span(doc, m.start, m.end, m.type)
            if span is not None:
                by_span[(span.start_char, span.end_char)] = m
        for ent in doc.ents:
            found = by_span.get((ent.start_char, ent.end_char))
            if found is not None:
                ent._.certainty, ent._.state = found.certainty, found.state
                ent._.historical, ent._.family = found.historical, found.family
        doc._.karte_entities = note.mentions
        doc.user_data.pop(_STATE_KEY, None)
        return doc


@Language.factory("karte_dictionary")
def make_dictionary(nlp: Language, name: str) -> DictionaryComponent:
    _register_extensions()
    return DictionaryComponent(default_extractor())


@Language.factory("karte_ner")
def make_ner(nlp: Language, name: str) -> NerComponent:
    _register_extensions()
    return NerComponent(default_extractor())


@Language.factory("karte_context")
def make_context(nlp: Language, name: str) -> ContextComponent:
    _register_extensions()
    return ContextComponent(default_extractor())


def extraction_pipeline() -> Any:
    """A spaCy ``ja`` pipeline (Karte's Sudachi tokenizer) with the three extraction components."""
    nlp = blank_pipeline()
    for name in ("karte_dictionary", "karte_ner", "karte_context"):
        nlp.add_pipe(name)
    return nlp
