"""The trained NER model: a linear-chain CRF (CRFsuite) over characters of the normalised note.

The committed model lives in ``karte/extract/models/ner_ja.crfsuite``; ``karte train ner`` rebuilds
it from MedTxt (see :mod:`karte.extract.training.train_ner`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pycrfsuite

from karte.errors import ConfigError

MODEL_PACKAGE = "karte.extract.models"
DEFAULT_MODEL = "ner_ja.crfsuite"


@dataclass(frozen=True, slots=True)
class ModelSpan:
    start: int  # normalised offsets
    end: int
    type: str
    score: float  # mean marginal probability of the predicted labels over the span


def default_model_path() -> Path:
    return Path(str(resources.files(MODEL_PACKAGE).joinpath(DEFAULT_MODEL)))


class NerModel:
    """Tags character feature sequences; one CRFsuite tagger per thread."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_model_path()
        if not self.path.is_file():
            raise ConfigError(
                f"NER モデルがありません: {self.path} (NER model not found; run `karte train ner`)",
                field="model",
                type="model_missing",
            )
        self._local = threading.local()
        self._tagger()  # fail early on a broken file

    def _tagger(self) -> pycrfsuite.Tagger:
        tagger = getattr(self._local, "tagger", None)
        if tagger is None:
            tagger = pycrfsuite.Tagger()
            try:
                tagger.open(str(self.path))
            except Exception as exc:  # CRFsuite raises a bare ValueError/IOError
                raise ConfigError(
                    f"NER モデルを読めません: {self.path} (cannot open NER model: {exc})",
                    field="model",
                    type="model_invalid",
                ) from exc
            self._local.tagger = tagger
        return tagger

    def labels(self, features: list[list[str]]) -> list[str]:
        if not features:
            return []
        tagger = self._tagger()
        tagger.set(features)
        return list(tagger.tag())

    def predict(self, features: list[list[str]]) -> list[ModelSpan]:
        """Entity spans (BIO decoded) with a score from the label marginals."""
        labels = self.labels(features)
        if not labels:
            return []
        tagger = self._tagger()
        spans: list[ModelSpan] = []
        for start, end, type_ in decode_bio(labels):
            total = 0.0
            for i in range(start, end):
                total += tagger.marginal(labels[i], i)
            spans.append(ModelSpan(start, end, type_, round(total / (end - start), 4)))
        return spans


def decode_bio(labels: list[str]) -> list[tuple[int, int, str]]:
    """``[(start, end, type)]`` from BIO or BIOES labels.

    ``B-``/``S-`` start a span, ``I-``/``E-`` continue one of the same type (or start one when it
    follows something else); ``E-``/``S-`` close the span after their character.
    """
    spans: list[tuple[int, int, str]] = []
    start = -1
    current = ""
    for i, label in enumerate(labels):
        prefix, type_ = label[:2], label[2:]
        if label == "O" or prefix in ("B-", "S-") or type_ != current:
            if current:
                spans.append((start, i, current))
            current = "" if label == "O" else type_
            start = i
        if prefix in ("E-", "S-") and current:
            spans.append((start, i + 1, current))
            current = ""
    if current:
        spans.append((start, len(labels), current))
    return spans
