"""Scoring extracted entities against MedTxt gold annotations.

* exact span F1 per type: a prediction counts when start, end and type equal a gold entity's;
* partial span F1 per type: a prediction counts when it overlaps a gold entity of the same type
  (precision over predictions, recall over gold entities, each matched at most once);
* certainty accuracy over disease entities found with the exact span (gold certainty given), and
  state accuracy over test / medication / remedy entities found with the exact span;
* confusion tables: gold type × predicted type for spans found exactly (``(none)`` = missed or
  spurious), and gold certainty × predicted certainty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from karte.extract.schema import ENTITY_TYPES, STATE_TYPES
from karte.records.models import Document

NONE = "(none)"


@dataclass(frozen=True, slots=True)
class ScoredEntity:
    """What the scorer compares: an original-offset span, its type and attributes."""

    start: int
    end: int
    type: str
    certainty: str | None = None
    state: str | None = None


class TypeScore(BaseModel):
    type: str
    gold: int
    predicted: int
    exact_tp: int
    exact_precision: float
    exact_recall: float
    exact_f1: float
    partial_precision: float
    partial_recall: float
    partial_f1: float


class AttributeScore(BaseModel):
    attribute: str = Field(description="certainty (disease) or state (test, medication, remedy)")
    compared: int = Field(description="entities found with the exact span whose gold value is given")
    correct: int
    accuracy: float
    confusion: dict[str, dict[str, int]] = Field(description="gold value → predicted value → count")


class EvaluationReport(BaseModel):
    documents: int
    types: list[TypeScore]
    micro_exact_f1: float
    micro_partial_f1: float
    certainty: AttributeScore
    state: AttributeScore
    type_confusion: dict[str, dict[str, int]] = Field(description="gold type → predicted type (exact spans)")

    def type_score(self, type_: str) -> TypeScore:
        return next(t for t in self.types if t.type == type_)


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def _partial_matches(gold: Sequence[ScoredEntity], pred: Sequence[ScoredEntity]) -> tuple[int, int]:
    """(predictions overlapping a same-type gold, gold overlapped by a same-type prediction)."""
    used_gold: set[int] = set()
    pred_hits = 0
    for p in pred:
        hit = False
        for k, g in enumerate(gold):
            if g.type == p.type and g.start < p.end and p.start < g.end:
                hit = True
                used_gold.add(k)
        pred_hits += hit
    return pred_hits, len(used_gold)


class _Tally:
    def __init__(self) -> None:
        self.gold: Counter[str] = Counter()
        self.pred: Counter[str] = Counter()
        self.exact: Counter[str] = Counter()
        self.partial_pred: Counter[str] = Counter()
        self.partial_gold: Counter[str] = Counter()
        self.type_confusion: dict[str, Counter[str]] = {}
        self.attr_confusion: dict[str, dict[str, Counter[str]]] = {"certainty": {}, "state": {}}

    def confuse(self, table: dict[str, Counter[str]], gold: str, pred: str) -> None:
        table.setdefault(gold, Counter())[pred] += 1

    def add(self, gold: Sequence[ScoredEntity], pred: Sequence[ScoredEntity]) -> None:
        gold_by_span = {(g.start, g.end): g for g in gold}
        pred_spans = {(p.start, p.end) for p in pred}
        for g in gold:
            self.gold[g.type] += 1
            if (g.start, g.end) not in pred_spans:
                self.confuse(self.type_confusion, g.type, NONE)
        for p in pred:
            self.pred[p.type] += 1
            g_match = gold_by_span.get((p.start, p.end))
            self.confuse(self.type_confusion, g_match.type if g_match else NONE, p.type)
            if g_match is None or g_match.type != p.type:
                continue
            self.exact[p.type] += 1
            if p.type == "disease" and g_match.certainty:
                self.confuse(self.attr_confusion["certainty"], g_match.certainty, p.certainty or NONE)
            if p.type in STATE_TYPES and g_match.state:
                self.confuse(self.attr_confusion["state"], g_match.state, p.state or NONE)
        for type_ in {*self.gold, *self.pred}:
            g_t = [g for g in gold if g.type == type_]
            p_t = [p for p in pred if p.type == type_]
            pp, pg = _partial_matches(g_t, p_t)
            self.partial_pred[type_] += pp
            self.partial_gold[type_] += pg


def _attribute(name: str, confusion: dict[str, Counter[str]]) -> AttributeScore:
    compared = sum(sum(row.values()) for row in confusion.values())
    correct = sum(row[g] for g, row in confusion.items())
    table = {g: dict(sorted(row.items())) for g, row in sorted(confusion.items())}
    return AttributeScore(
        attribute=name,
        compared=compared,
        correct=correct,
        accuracy=_ratio(correct, compared),
        confusion=table,
    )


def evaluate(pairs: Iterable[tuple[Sequence[ScoredEntity], Sequence[ScoredEntity]]]) -> EvaluationReport:
    """Score ``(gold, predicted)`` entity lists, one pair per document."""
    tally = _Tally()
    n_docs = 0
    for gold, pred in pairs:
        tally.add(gold, pred)
        n_docs += 1
    types: list[TypeScore] = []
    known = [t for t in ENTITY_TYPES if tally.gold[t] or tally.pred[t]]
    known += sorted(t for t in {*tally.gold, *tally.pred} if t not in ENTITY_TYPES)
    for t in known:
        ep, er = _ratio(tally.exact[t], tally.pred[t]), _ratio(tally.exact[t], tally.gold[t])
        pp, pr = _ratio(tally.partial_pred[t], tally.pred[t]), _ratio(tally.partial_gold[t], tally.gold[t])
        types.append(
            TypeScore(
                type=t,
                gold=tally.gold[t],
                predicted=tally.pred[t],
                exact_tp=tally.exact[t],
                exact_precision=ep,
                exact_recall=er,
                exact_f1=_f1(ep, er),
                partial_precision=pp,
                partial_recall=pr,
                partial_f1=_f1(pp, pr),
            )
        )
    g_all, p_all = sum(tally.gold.values()), sum(tally.pred.values())
    micro_exact = _f1(_ratio(sum(tally.exact.values()), p_all), _ratio(sum(tally.exact.values()), g_all))
    micro_partial = _f1(
        _ratio(sum(tally.partial_pred.values()), p_all), _ratio(sum(tally.partial_gold.values()), g_all)
    )
    return EvaluationReport(
        documents=n_docs,
        types=types,
        micro_exact_f1=micro_exact,
        micro_partial_f1=micro_partial,
        certainty=_attribute("certainty", tally.attr_confusion["certainty"]),
        state=_attribute("state", tally.attr_confusion["state"]),
        type_confusion={g: dict(sorted(r.items())) for g, r in sorted(tally.type_confusion.items())},
    )


def gold_entities(doc: Document) -> list[ScoredEntity]:
    """The gold annotations of a MedTxt document, as the scorer compares them."""
    return [
        ScoredEntity(g.start, g.end, g.type, g.attributes.get("certainty"), g.attributes.get("state"))
        for g in doc.gold
    ]


def evaluate_documents(
    docs: Iterable[Document], extract: Callable[[str], Sequence[ScoredEntity]]
) -> EvaluationReport:
    """Run ``extract`` on every document's text and score it against the document's gold entities."""
    return evaluate((gold_entities(d), extract(d.text)) for d in docs)
