"""Train the CRF NER model on the MedTxt train split (never the dev split).

Deterministic: documents are used in sorted id order, CRFsuite's L-BFGS has no randomness, so the
same data and parameters give the same model file.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pycrfsuite

from karte.extract.dictionary import default_matcher
from karte.extract.training.corpus import Example, make_example, medtxt_documents
from karte.extract.training.split import is_dev
from karte.records.models import Document

# Chosen by 3-fold cross-validation on the train split (never the dev split): c1 0.05–0.15 and
# c2 0.01–0.03 score the same within noise; the stronger L1 keeps the model file smaller.
DEFAULT_PARAMS: dict[str, float | int | bool] = {
    "c1": 0.1,
    "c2": 0.02,
    "max_iterations": 250,
    "feature.possible_transitions": True,
}


@dataclass
class TrainReport:
    model: Path
    documents: int
    characters: int
    seconds: float


def train_documents(paths: Iterable[Path | str], *, dev: bool = False) -> list[Document]:
    """The MedTxt documents of the train split (or of the dev split), sorted by id."""
    docs = [d for d in medtxt_documents(paths) if is_dev(d.id) == dev]
    return sorted(docs, key=lambda d: d.id)


def train_crf(
    examples: Iterable[Example], model: Path, params: dict[str, float | int | bool] | None = None
) -> TrainReport:
    start = time.perf_counter()
    trainer = pycrfsuite.Trainer(verbose=False)
    n_docs = 0
    n_chars = 0
    for ex in examples:
        trainer.append(ex.features, ex.labels)
        n_docs += 1
        n_chars += len(ex.labels)
    trainer.set_params({**DEFAULT_PARAMS, **(params or {})})
    model.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(model))
    return TrainReport(model, n_docs, n_chars, time.perf_counter() - start)


def train_ner(
    paths: Iterable[Path | str],
    model: Path,
    *,
    limit: int | None = None,
    params: dict[str, float | int | bool] | None = None,
) -> TrainReport:
    """Train on the train split of the MedTxt files ``paths`` and write the model to ``model``."""
    docs = train_documents(paths)
    if limit is not None:
        docs = docs[:limit]
    matcher = default_matcher()
    return train_crf((make_example(d, matcher) for d in docs), model, params)
