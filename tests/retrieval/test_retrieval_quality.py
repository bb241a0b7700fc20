"""Top-3 accuracy of the disease index on 85 labelled Japanese queries: fused ≥ 0.90 and ≥ BM25 alone."""

from __future__ import annotations

import pytest

from karte.knowledge import load_disease_kb
from karte.retrieval import KnowledgeIndex
from karte.retrieval.evaluate import Accuracy, LabelledQuery, top_k_accuracy
from karte.retrieval.models import SearchMode

FLOOR = 0.90
MODES: tuple[SearchMode, ...] = ("bm25", "dense", "fused")


def test_query_set_is_large_and_labels_exist(labelled_queries: list[LabelledQuery]) -> None:
    ids = {e.id for e in load_disease_kb()}
    assert len(labelled_queries) >= 60
    assert {q.style for q in labelled_queries} == {"patient", "clinician"}
    for q in labelled_queries:
        assert set(q.expect) <= ids, q


@pytest.fixture(scope="module")
def accuracies(kb_index: KnowledgeIndex, labelled_queries: list[LabelledQuery]) -> dict[str, Accuracy]:
    results: dict[str, Accuracy] = {m: top_k_accuracy(kb_index, labelled_queries, k=3, mode=m) for m in MODES}
    for mode, acc in results.items():
        print(f"\ntop-3 accuracy {mode:5s}: {acc.value:.3f} ({acc.correct}/{acc.n})")
        for miss in acc.misses:
            print(f"   miss [{mode}] {miss.query} → expected {miss.expected}, got {miss.got}")
    return results


def test_fused_top3_accuracy_meets_floor_and_beats_bm25(accuracies: dict[str, Accuracy]) -> None:
    fused, bm25 = accuracies["fused"].value, accuracies["bm25"].value
    assert fused >= FLOOR
    assert fused >= bm25


@pytest.mark.parametrize("style", ["patient", "clinician"])
def test_each_query_style_is_answered(
    accuracies: dict[str, Accuracy], labelled_queries: list[LabelledQuery], style: str
) -> None:
    subset = {q.q for q in labelled_queries if q.style == style}
    missed = {m.query for m in accuracies["fused"].misses} & subset
    value = 1 - len(missed) / len(subset)
    print(f"top-3 accuracy fused, {style}: {value:.3f} ({len(subset) - len(missed)}/{len(subset)})")
    assert value >= FLOOR
