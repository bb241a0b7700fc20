"""A searchable index over passages: BM25 on Sudachi terms fused with dense sentence vectors.

    index = KnowledgeIndex.build(passages)          # passages: Iterable[Passage]
    hits = index.search("血糖値が高いと言われた", k=5)  # list[Hit], best first, scores in [0, 1]
    index.save(path); KnowledgeIndex.load(path)

BM25 (``bm25s``, Lucene variant) scores are turned into the share of the query's IDF weight that a
passage matches (see :class:`Hit`), so they are comparable across queries and can be added to the
cosine similarity of the multilingual Universal Sentence Encoder vectors. Two fusions are
available (:class:`IndexConfig`): a weighted sum of the two scores (default) and reciprocal-rank
fusion, normalised so that a passage ranked first by both scores 1.

Decisions: an empty or blank query is an :class:`InputError` (a caller's mistake, reported with
the field); an index of zero passages is valid and every search on it returns ``[]``; passages
that match nothing (score 0) are never returned, so a search can return fewer than ``k`` hits.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from karte.errors import ConfigError, InputError
from karte.retrieval import dense as dense_encoder
from karte.retrieval.analyzer import ANALYZER_VERSION, terms
from karte.retrieval.models import Fusion, Hit, IndexConfig, Passage, SearchMode
from karte.retrieval.storage import (
    BM25_DIR,
    FORMAT_NAME,
    FORMAT_VERSION,
    PASSAGES,
    VECTORS,
    Manifest,
    read_manifest,
    read_passages,
    write_atomically,
    write_passages,
)

__all__ = ["Hit", "IndexConfig", "KnowledgeIndex", "Passage"]


def _idf(df: np.ndarray | float, n_docs: int) -> Any:
    """Lucene IDF, the one bm25s uses for ``method="lucene"``."""
    return np.log1p((n_docs - np.asarray(df, dtype=np.float64) + 0.5) / (np.asarray(df) + 0.5))


def _bm25_from_terms(corpus_terms: list[list[str]], config: IndexConfig) -> Any:
    import bm25s

    model = bm25s.BM25(k1=config.k1, b=config.b, method="lucene")
    model.index(corpus_terms, show_progress=False)
    return model


class KnowledgeIndex:
    """Passages with a BM25 index and (optionally) their sentence vectors. Read-only once built."""

    def __init__(
        self,
        passages: list[Passage],
        bm25: Any,
        vectors: np.ndarray | None,
        config: IndexConfig,
    ) -> None:
        self._passages = passages
        self._position = {p.id: i for i, p in enumerate(passages)}
        self._bm25 = bm25
        self._vectors = vectors
        self.config = config
        n = len(passages)
        if bm25 is not None:
            df = np.diff(np.asarray(bm25.scores["indptr"]))
            self._idf = _idf(df, n)
            self._idf_rare = float(_idf(1.0, n))
            self._vocab: dict[str, int] = bm25.vocab_dict
        else:
            self._idf = np.zeros(0)
            self._idf_rare = 0.0
            self._vocab = {}

    # ---------- building ----------
    @classmethod
    def build(cls, passages: Iterable[Passage], *, config: IndexConfig | None = None) -> KnowledgeIndex:
        """Index ``passages`` (ids must be unique; empty texts are refused)."""
        config = config or IndexConfig()
        items: list[Passage] = []
        seen: set[str] = set()
        for p in passages:
            if not isinstance(p, Passage):
                raise InputError(
                    f"パッセージではありません: {type(p).__name__} (expected a Passage)", field="passages"
                )
            if p.id in seen:
                raise InputError(
                    f"パッセージ ID {p.id!r} が重複しています (duplicate passage id)",
                    field="id",
                    record_id=p.id,
                )
            if not p.text.strip():
                raise InputError(
                    f"パッセージ {p.id!r} の本文が空です (empty passage text)", field="text", record_id=p.id
                )
            seen.add(p.id)
            items.append(p)
        texts = [p.indexed_text() for p in items]
        corpus_terms = [terms(t) for t in texts]
        bm25 = _bm25_from_terms(corpus_terms, config) if any(corpus_terms) else None
        vectors = dense_encoder.encode(texts) if config.dense and items else None
        return cls(items, bm25, vectors, config)

    # ---------- access ----------
    def __len__(self) -> int:
        return len(self._passages)

    @property
    def passages(self) -> list[Passage]:
        return list(self._passages)

    @property
    def has_dense(self) -> bool:
        return self._vectors is not None

    def with_scoring(
        self, *, fusion: Fusion | None = None, bm25_weight: float | None = None
    ) -> KnowledgeIndex:
        """The same passages and vectors, fused another way (for comparisons; nothing is rebuilt)."""
        changes: dict[str, Any] = {}
        if fusion is not None:
            changes["fusion"] = fusion
        if bm25_weight is not None:
            changes["bm25_weight"] = bm25_weight
        config = IndexConfig.model_validate({**self.config.model_dump(), **changes})
        return KnowledgeIndex(self._passages, self._bm25, self._vectors, config)

    def get(self, passage_id: str) -> Passage | None:
        i = self._position.get(passage_id)
        return None if i is None else self._passages[i]

    # ---------- scoring ----------
    def bm25_scores(self, query: str) -> np.ndarray:
        """Normalised BM25 score of every passage for ``query``, in [0, 1]."""
        n = len(self._passages)
        unique = list(dict.fromkeys(terms(query)))
        if self._bm25 is None or not unique:
            return np.zeros(n, dtype=np.float64)
        ids = [self._vocab[t] for t in unique if t in self._vocab]
        weight = float(self._idf[ids].sum()) + (len(unique) - len(ids)) * self._idf_rare
        if not ids or weight <= 0:
            return np.zeros(n, dtype=np.float64)
        raw = np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float64)
        return np.clip(raw * (self.config.k1 + 1.0) / weight, 0.0, 1.0)

    def dense_scores(self, query: str) -> np.ndarray:
        """Cosine similarity of every passage to ``query``, negative values clipped to 0."""
        if self._vectors is None:
            raise ConfigError(
                "この索引には文ベクトルがありません (index was built without dense vectors)",
                field="mode",
            )
        q = dense_encoder.encode([query])[0]
        return np.clip(self._vectors @ q, 0.0, 1.0).astype(np.float64)

    def _fuse(self, bm25: np.ndarray, dense: np.ndarray | None) -> np.ndarray:
        if dense is None:
            return bm25
        if self.config.fusion == "weighted":
            w = self.config.bm25_weight
            return w * bm25 + (1.0 - w) * dense
        k = self.config.rrf_k
        fused = np.zeros_like(bm25)
        for scores in (bm25, dense):
            order = np.lexsort((np.arange(len(scores)), -scores))
            ranks = np.empty(len(scores), dtype=np.float64)
            ranks[order] = np.arange(1, len(scores) + 1)
            fused += np.where(scores > 0, 1.0 / (k + ranks), 0.0)
        return fused / (2.0 / (k + 1))

    def search(self, query: str, k: int = 5, *, mode: SearchMode = "fused") -> list[Hit]:
        """The ``k`` best passages for ``query``, best first (only passages with a score above 0)."""
        if not isinstance(query, str) or not query.strip():
            raise InputError("検索語が空です (empty query)", field="query")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InputError(f"k は 1 以上の整数にしてください: {k!r} (k must be ≥ 1)", field="k")
        if mode not in ("fused", "bm25", "dense"):
            raise InputError(f"検索モード {mode!r} は使えません (unknown search mode)", field="mode")
        if not self._passages:
            return []
        bm25 = self.bm25_scores(query) if mode != "dense" else None
        dense = self.dense_scores(query) if mode == "dense" or (mode == "fused" and self.has_dense) else None
        if mode == "bm25":
            assert bm25 is not None
            fused = bm25
        elif mode == "dense":
            assert dense is not None
            fused = dense
        else:
            assert bm25 is not None
            fused = self._fuse(bm25, dense)
        fused = np.clip(fused, 0.0, 1.0)
        order = np.lexsort((np.arange(len(fused)), -fused))
        hits: list[Hit] = []
        for i in order[:k]:
            if fused[i] <= 0.0:
                break
            hits.append(
                Hit(
                    passage=self._passages[i],
                    score=float(fused[i]),
                    bm25=None if bm25 is None else float(bm25[i]),
                    dense=None if dense is None else float(dense[i]),
                )
            )
        return hits

    # ---------- persistence ----------
    def save(self, path: Path) -> None:
        """Write the index to the directory ``path`` (replaced as a whole if it exists)."""

        def fill(root: Path) -> Manifest:
            write_passages(root / PASSAGES, self._passages)
            if self._vectors is not None:
                np.save(root / VECTORS, self._vectors, allow_pickle=False)
            if self._bm25 is not None:
                self._bm25.save(str(root / BM25_DIR), show_progress=False)
            return Manifest(
                format=FORMAT_NAME,
                format_version=FORMAT_VERSION,
                analyzer=ANALYZER_VERSION,
                encoder=dense_encoder.ENCODER_NAME if self._vectors is not None else None,
                encoder_version=dense_encoder.encoder_version() if self._vectors is not None else None,
                config=self.config,
                n_passages=len(self._passages),
                files={},
            )

        write_atomically(Path(path), fill)

    @classmethod
    def load(cls, path: Path) -> KnowledgeIndex:
        """Read an index written by :meth:`save`; refuses another format version or a corrupt file."""
        root = Path(path)
        manifest = read_manifest(root, analyzer=ANALYZER_VERSION)
        if manifest.encoder is not None and manifest.encoder_version != dense_encoder.encoder_version():
            raise ConfigError(
                f"索引は {manifest.encoder} {manifest.encoder_version} の文ベクトルで作られています"
                f"（インストール済み: {dense_encoder.encoder_version()}）。索引を作り直してください "
                f"(index vectors come from another encoder version: rebuild the index)",
                field="encoder",
            )
        passages = read_passages(root / PASSAGES)
        vectors = None
        if manifest.encoder is not None:
            vectors = np.load(root / VECTORS, allow_pickle=False)
        bm25 = None
        if (root / BM25_DIR).is_dir():
            import bm25s

            bm25 = bm25s.BM25.load(str(root / BM25_DIR), mmap=False, show_progress=False)
        shapes_ok = len(passages) == manifest.n_passages and (
            vectors is None or vectors.shape == (len(passages), dense_encoder.DIM)
        )
        if not shapes_ok or (bm25 is not None and int(bm25.scores["num_docs"]) != len(passages)):
            raise ConfigError(
                f"索引 {root} の各ファイルの件数が合いません。索引を作り直してください "
                f"(index files disagree on the number of passages: rebuild the index)",
                field="files",
            )
        return cls(passages, bm25, vectors, manifest.config)
