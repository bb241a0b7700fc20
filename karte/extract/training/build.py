"""``karte train ner``: train both models on the MedTxt train split and record their checksums.

Reproducible: same data and parameters give byte-identical model files (documents in sorted id order,
deterministic L-BFGS). ``models/checksums.json`` records the SHA-256 of each file and the dev figures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from karte.errors import InputError
from karte.extract.certainty_model import DEFAULT_CERTAINTY_MODEL, CertaintyModel
from karte.extract.dictionary import default_matcher
from karte.extract.evaluate import EvaluationReport, evaluate_documents
from karte.extract.ner import DEFAULT_MODEL, NerModel
from karte.extract.pipeline import Extractor
from karte.extract.scoring import scored_entities
from karte.extract.training.corpus import make_example
from karte.extract.training.train_certainty import train_certainty
from karte.extract.training.train_ner import DEFAULT_PARAMS, TrainReport, train_crf, train_documents

CHECKSUMS = "checksums.json"


@dataclass
class TrainResult:
    ner: TrainReport
    certainty: TrainReport
    checksums: list[str]
    report: EvaluationReport | None


def package_model_dir() -> Path:
    return Path(str(resources.files("karte.extract.models")))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train_models(
    data: Sequence[Path], *, out_dir: Path | None = None, limit: int | None = None, evaluate: bool = True
) -> TrainResult:
    for p in data:
        if not Path(p).exists():
            raise InputError(f"{p}: ファイルが見つかりません (MedTxt file not found)", field="data")
    docs = train_documents(data)
    if limit is not None:
        docs = docs[:limit]
    if not docs:
        raise InputError("学習に使える MedTxt 文書がありません (no MedTxt training documents)", field="data")
    target = out_dir or package_model_dir()
    matcher = default_matcher()
    ner = train_crf((make_example(d, matcher) for d in docs), target / DEFAULT_MODEL)
    certainty = train_certainty(docs, target / DEFAULT_CERTAINTY_MODEL)
    report = None
    if evaluate:
        dev = train_documents(data, dev=True)
        extractor = Extractor(
            model=NerModel(ner.model), certainty_model=CertaintyModel(certainty.model), matcher=matcher
        )
        report = evaluate_documents(dev, lambda text: scored_entities(extractor, text))
    files = {p.name: sha256(p) for p in (ner.model, certainty.model)}
    record: dict[str, object] = {
        "command": "karte train ner "
        + " ".join(Path(p).name for p in data)
        + (f" --limit {limit}" if limit else ""),
        "train_documents": len(docs),
        "ner_params": DEFAULT_PARAMS,
        "files": files,
    }
    if report is not None:
        record["dev"] = {
            "documents": report.documents,
            "exact_f1": {t.type: round(t.exact_f1, 4) for t in report.types},
            "partial_f1": {t.type: round(t.partial_f1, 4) for t in report.types},
            "certainty_accuracy": round(report.certainty.accuracy, 4),
            "state_accuracy": round(report.state.accuracy, 4),
        }
    (target / CHECKSUMS).write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    lines = [f"sha256 {name} {digest}" for name, digest in files.items()]
    return TrainResult(ner, certainty, lines, report)
