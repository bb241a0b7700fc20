"""Train the certainty classifier on disease findings of the MedTxt train split (gold spans)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pycrfsuite

from karte.extract.certainty_model import NoteView, certainty_features
from karte.extract.context import context_rules
from karte.extract.features import sudachi_tokens
from karte.extract.offsets import original_to_normalized
from karte.extract.training.train_ner import TrainReport
from karte.records.models import Document
from karte.text import normalize, sectionize

# c2 chosen by 3-fold cross-validation on the train split's gold disease spans (accuracy 0.911 at
# c2 0.05 and 0.1, 0.910 at 0.2, 0.909 at 0.3, 0.906 at 1.0, 0.898 at 3.0).
CERTAINTY_PARAMS: dict[str, float | int | bool] = {"c1": 0.0, "c2": 0.1, "max_iterations": 300}


def section_boundaries(nt_mapping: list[int], document_text: str) -> list[int]:
    """Normalised offsets where a section starts (scope of a trigger never crosses them)."""
    return sorted({nt_mapping[s.start] for s in sectionize(document_text)} - {0})


def certainty_examples(docs: Iterable[Document]) -> Iterator[tuple[list[str], str]]:
    rules = context_rules()
    for doc in docs:
        nt = normalize(doc.text)
        mapping = original_to_normalized(nt)
        triggers = rules.scan(nt.text)
        triggers.add_boundaries(section_boundaries(mapping, doc.text))
        view = NoteView.of(nt.text, sudachi_tokens(nt.text), triggers)
        for g in doc.gold:
            label = g.attributes.get("certainty")
            if g.type == "disease" and label:
                yield certainty_features(view, mapping[g.start], mapping[g.end]), label


def train_certainty(docs: Iterable[Document], model: Path) -> TrainReport:
    start = time.perf_counter()
    trainer = pycrfsuite.Trainer(verbose=False)
    n = 0
    for feats, label in certainty_examples(docs):
        trainer.append([feats], [label])
        n += 1
    trainer.set_params(CERTAINTY_PARAMS)
    model.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(model))
    return TrainReport(model, n, 0, time.perf_counter() - start)
