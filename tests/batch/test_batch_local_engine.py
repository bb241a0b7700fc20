"""The local engine gives exactly ``karte run``'s output, in order, whatever the batching and workers;
bad records become error lines (also copied to errors.jsonl) and the run goes on."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
from batch_inputs import karte_run_lines, notes_jsonl, shard_lines

from karte.batch import BatchConfig, run_batch
from karte.batch.manifest import load_manifest
from karte.batch.plans import BatchResult, RawRecord
from karte.batch.processor import BatchProcessor, settings_from, settings_values
from karte.batch.sources import FolderSource, JsonlSource, ParquetSource, Sizing, StoreSource, open_source
from karte.batch.sources.jsonl import parse_lines
from karte.config import Settings, get_settings
from karte.tasks.jsonl_io import parse_jsonl


def test_two_workers_small_batches_equal_karte_run(tmp_path: Path) -> None:
    data = notes_jsonl(40)
    infile = tmp_path / "in.jsonl"
    infile.write_bytes(data)
    out = tmp_path / "out"
    report = run_batch(
        BatchConfig(
            "sections", open_source(str(infile)), out, workers=2, sizing=Sizing(3000, 4), shard_batches=3
        )
    )
    expected = karte_run_lines("sections", data)
    assert shard_lines(out) == expected
    errors = [line for line in expected if '"error"' in line and json.loads(line).get("error")]
    assert (out / "errors.jsonl").read_text(encoding="utf-8").splitlines() == errors
    kinds = {json.loads(e)["error"]["type"] for e in errors}
    assert kinds == {"invalid_json", "duplicate_id", "validation_error", "missing_id", "invalid_input"}
    manifest = load_manifest(out)
    assert manifest is not None and manifest.complete
    assert manifest.counts.records == len(expected) and manifest.counts.errors == len(errors)
    assert len(manifest.shards) > 2  # several checkpoints were written
    for shard in manifest.shards:
        assert hashlib.sha256((out / shard.file).read_bytes()).hexdigest() == shard.sha256
    assert [s.first_record for s in manifest.shards[1:]] == [
        s.first_record + s.records for s in manifest.shards[:-1]
    ]
    assert any("Shift_JIS" in n for n in report.notices)
    assert len(report.worker_peak_rss) == 2


@pytest.mark.parametrize("first", [1, 2, 7])
def test_parse_lines_from_the_middle_numbers_lines_like_the_whole_file(first: int) -> None:
    data = notes_jsonl(16)
    whole = list(parse_jsonl(io.BytesIO(data)))
    lines = io.BytesIO(data).readlines()
    part = list(parse_lines(lines[first - 1 :], first_line=first, encoding="auto"))
    assert part == [p for p in whole if p.line >= first]


def test_jsonl_plans_cover_every_record_once(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(notes_jsonl(30))
    source = JsonlSource(str(path))
    plans = list(source.plan(Sizing(chars=2500, records=5)))
    assert all(p.records <= 5 for p in plans)
    assert [p.first_record for p in plans[1:]] == [p.first_record + p.records for p in plans[:-1]]
    read = [r for p in plans for r in source.read(p)]
    assert [r.line for r in read] == [p.line for p in parse_jsonl(io.BytesIO(path.read_bytes()))]
    assert sum(p.records for p in plans) == source.count()


def test_everything_that_crosses_a_process_boundary_pickles(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(notes_jsonl(8))
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    pq.write_table(pa.table({"id": ["a"], "text": ["【主訴】発熱"]}), tmp_path / "in.parquet")
    parquet = ParquetSource(str(tmp_path / "in.parquet"))
    plan = next(parquet.plan(Sizing()))
    parquet.read(plan)  # fills the row-group cache, which must stay in its process
    sources = [JsonlSource(str(path)), parquet, FolderSource(str(tmp_path)), StoreSource("sqlite:///x.db")]
    for source in sources:
        clone = pickle.loads(pickle.dumps(source))
        assert type(clone) is type(source) and clone.describe() == source.describe()
    assert pickle.loads(pickle.dumps(parquet))._cache is None
    jsonl_plan = next(JsonlSource(str(path)).plan(Sizing()))
    assert pickle.loads(pickle.dumps(jsonl_plan)) == jsonl_plan
    processor = BatchProcessor("sections", settings_values(get_settings()))
    result = processor.run(JsonlSource(str(path)), jsonl_plan)
    clone = pickle.loads(pickle.dumps(result))
    assert isinstance(clone, BatchResult) and clone.records == result.records
    settings = pickle.loads(pickle.dumps(settings_values(get_settings())))
    assert settings == settings_values(get_settings())
    if "deid_secret" in Settings.model_fields:  # secrets reach the workers as themselves, not masked
        with_secret = Settings(deid_secret="s3cret")
        rebuilt = settings_from(pickle.loads(pickle.dumps(settings_values(with_secret))))
        assert rebuilt.deid_secret is not None and rebuilt.deid_secret.get_secret_value() == "s3cret"
    raw = RawRecord(1, {"id": 1}, None, None, ["n"])
    assert pickle.loads(pickle.dumps(raw)) == raw


def _write_notes(root: Path) -> Iterator[tuple[str, str]]:
    notes = {
        "P001/2024-01-05_入院時記録.txt": "【主訴】発熱\n【現病歴】3日前から。",
        "P001/2024-01-09_経過記録.txt": "S) 咳嗽\nO) 体温 36.8℃",
        "P002/memo.txt": "■既往歴\n2015年 胃癌術後",
        "empty.txt": "",
    }
    for rel, text in notes.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
        yield rel, text


def test_folder_of_notes(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    notes = dict(_write_notes(root))
    (root / "P002" / "scan.pdf").write_bytes(b"%PDF-1.4")
    (root / "P002" / "binary.txt").write_bytes(bytes(range(256)) * 4)
    out = tmp_path / "out"
    report = run_batch(
        BatchConfig("sections", open_source(str(root)), out, sizing=Sizing(40, 2), shard_batches=1)
    )
    lines = [json.loads(x) for x in shard_lines(out)]
    ids = [x["id"] for x in lines]
    assert ids == sorted(ids) and len(ids) == len(notes) + 1
    assert ids[0] == "P001/2024-01-05_入院時記録"
    by_id = {x["id"]: x for x in lines}
    assert by_id["P002/binary"]["error"]["type"] == "binary_data"
    assert by_id["empty"]["error"]["field"] == "text"
    assert by_id["P001/2024-01-09_経過記録"]["sections"]
    assert any(".pdf" in n for n in report.notices)  # skipped files are reported, not silently dropped


def test_store_documents(tmp_path: Path) -> None:
    from karte.records.models import Document, PatientRecord
    from karte.records.store import open_store
    from karte.tasks import run

    with open_store() as store:
        store.add_records(
            [
                PatientRecord(id="P1", documents=[Document(id="d1", text="【主訴】発熱")]),
                PatientRecord(id="P2", documents=[Document(id="d2", text="S) 咳嗽\nO) 36.8℃")]),
            ]
        )
    out = tmp_path / "out"
    run_batch(BatchConfig("sections", open_source("store", database_url=get_settings().database_url), out))
    got = [json.loads(x) for x in shard_lines(out)]
    assert got == run("sections", [{"id": d, "document_id": d} for d in ("d1", "d2")])


def test_parquet_in_and_out(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    records = [json.loads(line) for line in notes_jsonl(12, bad_lines=False).splitlines()]
    records[3]["text"] = None  # a null cell: the field is absent → a validation error for that row
    pq.write_table(
        pa.table({"id": [r["id"] for r in records], "text": [r["text"] for r in records]}),
        tmp_path / "in.parquet",
        row_group_size=5,
    )
    out = tmp_path / "out"
    config = BatchConfig(
        "normalize",
        open_source(str(tmp_path / "in.parquet")),
        out,
        workers=2,
        sizing=Sizing(10_000, 3),
        shard_batches=2,
        output_format="parquet",
    )
    run_batch(config)
    table = pa.concat_tables([pq.read_table(p) for p in sorted(out.glob("shard-*.parquet"))])
    from karte.tasks import run

    expected = run("normalize", [{k: v for k, v in r.items() if v is not None} for r in records])
    assert [json.loads(x) for x in table.column("output").to_pylist()] == expected
    assert table.column("record").to_pylist() == list(range(12))
    assert table.column("ok").to_pylist() == [i != 3 for i in range(12)]
    assert table.column("error_type").to_pylist()[3] == "validation_error"
