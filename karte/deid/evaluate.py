"""Score the detector against gold PII spans (``karte eval deid PATH``).

Three views of the same predictions:

- **typed**: per type, a gold span is found if a predicted span of the same type overlaps it;
  a predicted span is right if it overlaps a gold span of its type. ``NAME`` merges
  PATIENT_NAME and PERSON_NAME (both are removed alike).
- **exact**: start, end and type must all match.
- **coverage** (what de-identification needs): a gold span is removed if every character of it
  is inside some predicted span, whatever its type; a predicted span is right if it overlaps any
  gold span.

Gold ages below the policy threshold are not counted (they are not identifying under it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from karte.deid.detector import Detector
from karte.deid.policy import DeidPolicy
from karte.deid.types import NAME_TYPES, PII_TYPES, PiiSpan
from karte.errors import InputError

_NUMBER = re.compile(r"[0-9０-９]+")


class GoldSpan(BaseModel):
    start: int
    end: int
    type: str
    text: str | None = None


class GoldDocument(BaseModel):
    id: str
    text: str
    spans: list[GoldSpan]
    kind: str | None = None
    patient_id: str | None = None


@dataclass
class Counts:
    tp_gold: int = 0  # gold spans found
    gold: int = 0
    tp_pred: int = 0  # predicted spans that are right
    pred: int = 0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.tp_pred / self.pred if self.pred else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class ErrorCase:
    document: str
    kind: str  # "missed" | "false_positive" | "wrong_type"
    type: str
    text: str
    context: str


@dataclass
class EvalReport:
    documents: int = 0
    chars: int = 0
    typed: dict[str, Counts] = field(default_factory=dict)
    exact: Counts = field(default_factory=Counts)
    coverage: Counts = field(default_factory=Counts)
    errors: list[ErrorCase] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def c(x: Counts) -> dict[str, Any]:
            return {
                "gold": x.gold,
                "predicted": x.pred,
                "recall": round(x.recall, 4),
                "precision": round(x.precision, 4),
                "f1": round(x.f1, 4),
            }

        return {
            "documents": self.documents,
            "characters": self.chars,
            "typed": {k: c(v) for k, v in self.typed.items()},
            "exact": c(self.exact),
            "coverage": c(self.coverage),
        }


def load_gold(path: Path) -> list[GoldDocument]:
    docs = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                doc = GoldDocument.model_validate(json.loads(line))
            except (ValueError, TypeError) as exc:
                raise InputError(
                    f"{path} {number} 行目を読めません: {exc} (bad gold line)", field="spans"
                ) from exc
            for s in doc.spans:
                if s.text is not None and doc.text[s.start : s.end] != s.text:
                    raise InputError(
                        f"{doc.id}: 正解スパン {s.start}-{s.end} が本文と不一致 (gold span text mismatch)",
                        record_id=doc.id,
                        field="spans",
                    )
            docs.append(doc)
    return docs


def _counted(gold: GoldSpan, text: str, policy: DeidPolicy) -> bool:
    if gold.type != "AGE" or policy.age_threshold is None:
        return True
    m = _NUMBER.search(text[gold.start : gold.end])
    return (
        m is None
        or int(m.group().translate(str.maketrans("０１２３４５６７８９", "0123456789")))
        >= policy.age_threshold
    )


def _group(type_: str) -> str:
    return "NAME" if type_ in NAME_TYPES else type_


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _context(text: str, start: int, end: int) -> str:
    return (text[max(0, start - 12) : start] + "【" + text[start:end] + "】" + text[end : end + 12]).replace(
        "\n", "⏎"
    )


def score(docs: Iterable[GoldDocument], detector: Detector | None = None) -> EvalReport:
    detector = detector or Detector()
    policy = detector.policy
    report = EvalReport()
    keys = [*PII_TYPES, "NAME"]
    report.typed = {k: Counts() for k in keys}
    for doc in docs:
        report.documents += 1
        report.chars += len(doc.text)
        gold = [g for g in doc.spans if _counted(g, doc.text, policy)]
        pred: list[PiiSpan] = detector.detect(doc.text)
        _score_doc(doc, gold, pred, report)
    report.typed = {k: v for k, v in report.typed.items() if v.gold or v.pred}
    return report


def _score_doc(doc: GoldDocument, gold: list[GoldSpan], pred: list[PiiSpan], report: EvalReport) -> None:
    text = doc.text
    for g in gold:
        for key in {g.type, _group(g.type)}:
            c = report.typed[key]
            c.gold += 1
            same = [
                p
                for p in pred
                if _overlap(g.start, g.end, p.start, p.end) and key in (p.type, _group(p.type))
            ]
            c.tp_gold += bool(same)
        report.exact.gold += 1
        report.exact.tp_gold += any((p.start, p.end, p.type) == (g.start, g.end, g.type) for p in pred)
        covered: set[int] = set()
        for p in pred:
            covered.update(range(max(p.start, g.start), min(p.end, g.end)))
        report.coverage.gold += 1
        removed = len(covered) == g.end - g.start
        report.coverage.tp_gold += removed
        if not removed:
            report.errors.append(
                ErrorCase(doc.id, "missed", g.type, g.text or "", _context(text, g.start, g.end))
            )
        elif not any(
            _overlap(g.start, g.end, p.start, p.end) and _group(p.type) == _group(g.type) for p in pred
        ):
            report.errors.append(
                ErrorCase(doc.id, "wrong_type", g.type, g.text or "", _context(text, g.start, g.end))
            )
    for p in pred:
        for key in {p.type, _group(p.type)}:
            c = report.typed[key]
            c.pred += 1
            c.tp_pred += any(
                _overlap(g.start, g.end, p.start, p.end) and key in (g.type, _group(g.type)) for g in gold
            )
        report.exact.pred += 1
        report.exact.tp_pred += any((p.start, p.end, p.type) == (g.start, g.end, g.type) for g in gold)
        report.coverage.pred += 1
        hit = any(_overlap(g.start, g.end, p.start, p.end) for g in doc.spans)
        report.coverage.tp_pred += hit
        if not hit:
            report.errors.append(
                ErrorCase(doc.id, "false_positive", p.type, p.text, _context(text, p.start, p.end))
            )
