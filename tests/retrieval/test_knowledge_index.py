"""KnowledgeIndex behaviour: ranking and scores, persistence, and clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from karte.errors import ConfigError, InputError, NotFoundError
from karte.knowledge import disease_index
from karte.knowledge import diseases as kb_module
from karte.retrieval import Hit, IndexConfig, KnowledgeIndex, Passage
from karte.retrieval.evaluate import LabelledQuery

SMALL = [
    Passage(
        id="htn",
        text="高血圧症は血圧が高い状態が続く病気です。減塩が大切です。",
        metadata={"disease_id": "hypertension"},
    ),
    Passage(
        id="dm",
        text="2型糖尿病では血糖値が高くなります。HbA1cで経過を見ます。",
        metadata={"disease_id": "type2_diabetes"},
    ),
    Passage(id="op", text="骨がもろくなり、骨折しやすくなります。", metadata={"title": "骨粗鬆症", "n": 3}),
]


@pytest.fixture(scope="module")
def small_bm25() -> KnowledgeIndex:
    return KnowledgeIndex.build(SMALL, config=IndexConfig(dense=False))


def _same(a: list[Hit], b: list[Hit]) -> bool:
    return [h.model_dump() for h in a] == [h.model_dump() for h in b]


# ---------- ranking and scores ----------
@pytest.mark.parametrize(
    ("query", "best"),
    [("高血圧", "htn"), ("血糖値が高い", "dm"), ("HbA1c", "dm"), ("骨粗鬆症", "op"), ("減塩", "htn")],
)
def test_bm25_ranks_the_matching_passage_first(small_bm25: KnowledgeIndex, query: str, best: str) -> None:
    hits = small_bm25.search(query, k=3)
    assert hits[0].passage.id == best
    assert hits[0].dense is None and hits[0].bm25 == hits[0].score


def test_hits_are_sorted_scored_in_unit_interval_and_keep_metadata(kb_index: KnowledgeIndex) -> None:
    hits = kb_index.search("血糖値が高いと言われた", k=10)
    assert len(hits) == 10
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    for h in hits:
        assert 0.0 < h.score <= 1.0
        assert h.bm25 is not None and 0.0 <= h.bm25 <= 1.0
        assert h.dense is not None and 0.0 <= h.dense <= 1.0
        assert h.passage.metadata["disease_id"] and h.passage.metadata["sources"]
    assert hits[0].passage.metadata["disease_id"] == "type2_diabetes"


def test_weighted_fusion_is_the_weighted_sum_of_components(kb_index: KnowledgeIndex) -> None:
    w = kb_index.config.bm25_weight
    for h in kb_index.search("息切れとむくみ", k=5):
        assert h.bm25 is not None and h.dense is not None
        assert h.score == pytest.approx(w * h.bm25 + (1 - w) * h.dense)


def test_rrf_fusion_scores_the_top_of_both_lists_highest(kb_index: KnowledgeIndex) -> None:
    rrf = kb_index.with_scoring(fusion="rrf")
    hits = rrf.search("COPD", k=5)
    assert hits[0].passage.metadata["disease_id"] == "copd"
    assert all(0.0 < h.score <= 1.0 for h in hits)


def test_passage_metadata_is_returned_unchanged(small_bm25: KnowledgeIndex) -> None:
    (hit,) = small_bm25.search("骨折", k=1)
    assert hit.passage == SMALL[2]


def test_a_query_of_only_particles_finds_nothing_in_bm25(small_bm25: KnowledgeIndex) -> None:
    assert small_bm25.search("のが", k=3) == []
    assert small_bm25.search("ゾルトラーク", k=3) == []


# ---------- empty and bad input ----------
@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_an_empty_query_is_an_input_error(small_bm25: KnowledgeIndex, query: str) -> None:
    with pytest.raises(InputError) as info:
        small_bm25.search(query)
    assert info.value.field == "query" and "空" in info.value.message


@pytest.mark.parametrize("k", [0, -1, True])
def test_k_below_one_is_an_input_error(small_bm25: KnowledgeIndex, k: int) -> None:
    with pytest.raises(InputError) as info:
        small_bm25.search("高血圧", k=k)
    assert info.value.field == "k"


def test_an_empty_index_returns_no_hits(tmp_path: Path) -> None:
    empty = KnowledgeIndex.build([], config=IndexConfig(dense=False))
    assert len(empty) == 0 and empty.search("高血圧") == []
    empty.save(tmp_path / "empty")
    assert KnowledgeIndex.load(tmp_path / "empty").search("高血圧") == []
    with pytest.raises(InputError):
        empty.search("")


def test_duplicate_passage_ids_are_refused() -> None:
    with pytest.raises(InputError) as info:
        KnowledgeIndex.build([SMALL[0], SMALL[0]], config=IndexConfig(dense=False))
    assert info.value.record_id == "htn" and "重複" in info.value.message


def test_an_empty_passage_text_is_refused() -> None:
    with pytest.raises(InputError) as info:
        KnowledgeIndex.build([Passage(id="x", text="  ")], config=IndexConfig(dense=False))
    assert info.value.record_id == "x" and info.value.field == "text"


def test_dense_search_on_an_index_without_vectors_is_a_clear_error(small_bm25: KnowledgeIndex) -> None:
    with pytest.raises(ConfigError, match="文ベクトル"):
        small_bm25.search("高血圧", mode="dense")


# ---------- persistence ----------
def test_round_trip_gives_identical_results(
    kb_index: KnowledgeIndex, labelled_queries: list[LabelledQuery], tmp_path: Path
) -> None:
    kb_index.save(tmp_path / "ix")
    loaded = KnowledgeIndex.load(tmp_path / "ix")
    assert loaded.passages == kb_index.passages and loaded.config == kb_index.config
    for q in labelled_queries:  # a fused hit carries both component scores, so this compares all three
        assert _same(loaded.search(q.q, k=5), kb_index.search(q.q, k=5)), q.q


def test_save_replaces_an_existing_index(small_bm25: KnowledgeIndex, tmp_path: Path) -> None:
    target = tmp_path / "ix"
    KnowledgeIndex.build(SMALL[:1], config=IndexConfig(dense=False)).save(target)
    small_bm25.save(target)
    assert len(KnowledgeIndex.load(target)) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["ix"]  # no staging directory left behind


def test_unserialisable_metadata_is_refused_and_the_old_index_kept(
    small_bm25: KnowledgeIndex, tmp_path: Path
) -> None:
    target = tmp_path / "ix"
    small_bm25.save(target)
    bad = KnowledgeIndex.build(
        [Passage(id="b", text="高血圧", metadata={"when": object()})], config=IndexConfig(dense=False)
    )
    with pytest.raises(InputError) as info:
        bad.save(target)
    assert info.value.record_id == "b"
    assert len(KnowledgeIndex.load(target)) == 3


def _manifest(root: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return data


def test_a_wrong_format_version_is_refused_clearly(small_bm25: KnowledgeIndex, tmp_path: Path) -> None:
    small_bm25.save(tmp_path / "ix")
    manifest = _manifest(tmp_path / "ix")
    manifest["format_version"] = 99
    (tmp_path / "ix" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        KnowledgeIndex.load(tmp_path / "ix")
    assert info.value.field == "format_version"
    assert "99" in info.value.message and "作り直" in info.value.message


def test_another_analyzer_is_refused(small_bm25: KnowledgeIndex, tmp_path: Path) -> None:
    small_bm25.save(tmp_path / "ix")
    manifest = _manifest(tmp_path / "ix")
    manifest["analyzer"] = "something-else"
    (tmp_path / "ix" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        KnowledgeIndex.load(tmp_path / "ix")
    assert info.value.field == "analyzer"


def test_a_corrupt_file_is_detected_by_checksum(small_bm25: KnowledgeIndex, tmp_path: Path) -> None:
    small_bm25.save(tmp_path / "ix")
    with (tmp_path / "ix" / "passages.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "injected", "text": "x"}\n')
    with pytest.raises(ConfigError) as info:
        KnowledgeIndex.load(tmp_path / "ix")
    assert info.value.field == "files" and "チェックサム" in info.value.message


def test_a_directory_without_an_index_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        KnowledgeIndex.load(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="知識索引ではありません"):
        KnowledgeIndex.load(tmp_path)


# ---------- the disease index and its disk cache ----------
def test_disease_index_is_built_once_per_process(kb_index: KnowledgeIndex) -> None:
    assert disease_index() is kb_index


def test_the_disk_cache_is_loaded_without_rebuilding(
    kb_index: KnowledgeIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb_index.save(kb_module.disease_index_path(kb_index.config))

    def no_build(*args: object, **kwargs: object) -> KnowledgeIndex:
        raise AssertionError("rebuilt although a cached index exists")

    monkeypatch.setattr(KnowledgeIndex, "build", no_build)
    cached = kb_module._build_or_load(kb_index.config)
    assert _same(cached.search("HbA1c"), kb_index.search("HbA1c"))


def test_a_damaged_disk_cache_is_rebuilt(
    kb_index: KnowledgeIndex, small_bm25: KnowledgeIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = kb_module.disease_index_path(kb_index.config)
    kb_index.save(path)
    (path / "vectors.npy").write_bytes(b"broken")
    monkeypatch.setattr(KnowledgeIndex, "build", classmethod(lambda cls, passages, config=None: small_bm25))
    assert kb_module._build_or_load(kb_index.config) is small_bm25
    assert len(KnowledgeIndex.load(path)) == len(small_bm25)  # the rebuilt index replaced the damaged one
