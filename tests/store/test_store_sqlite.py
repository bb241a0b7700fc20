"""The store's behaviour, on every backend, plus what is particular to SQLite.

Tests that take ``store`` or ``store_url`` (conftest.py) run twice: ``[sqlite]`` on a file in
tmp_path and ``[postgres]`` on a fresh database of the session's real PostgreSQL server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from karte.config import reset_settings_cache
from karte.errors import ConfigError, NotFoundError
from karte.records.models import Document, Observation, PatientRecord
from karte.records.store import Store, StoreError, head_revision, normalize_url, open_store
from karte.records.store.engine import MIGRATIONS_DIR, alembic_config, make_engine
from karte.records.store.schema import Base

if TYPE_CHECKING:
    from conftest import Samples

JST = dt.timezone(dt.timedelta(hours=9))

# -- round trip -----------------------------------------------------------------------------------


def test_round_trip_equals_what_went_in(store: Store, samples: type[Samples]) -> None:
    records = [samples.rich("P001"), samples.minimal("P000"), samples.rich("患者-002")]
    report = store.add_records(records)

    assert report.ok and report.patients == 3
    assert (report.documents, report.observations, report.medications) == (4, 4, 2)
    assert (report.allergies, report.conditions, report.replaced) == (2, 2, 0)
    for record in records:
        assert store.get_patient_record(record.id) == record
    assert list(store.iter_patient_records()) == sorted(records, key=lambda r: r.id)
    assert store.counts() == {
        "patients": 3,
        "documents": 4,
        "observations": 4,
        "medications": 2,
        "allergies": 2,
        "conditions": 2,
    }


def test_details_survive_exactly(store: Store, samples: type[Samples]) -> None:
    record = samples.rich("P001")
    store.add_records([record])
    back = store.get_patient_record("P001")

    admission, progress = back.documents
    assert admission.datetime == dt.datetime(2024, 4, 1, 9, 30, 15, 123456, tzinfo=JST)
    assert admission.datetime is not None and admission.datetime.utcoffset() == dt.timedelta(hours=9)
    assert progress.datetime == dt.datetime(2024, 4, 2, 8, 0) and progress.datetime.tzinfo is None
    assert admission.text.startswith("【主訴】\n胸痛、呼吸困難")
    assert [s.title for s in admission.sections] == ["主訴", "現病歴", "計画"]
    assert admission.gold[0].text == "胸痛" and admission.gold[0].attributes == {"certainty": "positive"}
    assert back.identifiers == {"MRN": "00123", "カルテ番号": "K-9"}
    assert back.birth_date == dt.date(1948, 2, 29)
    assert back.observations[0].value == 12.3 and back.observations[0].codes[0].display == "白血球数"
    assert back.observations[1].value is None and back.observations[1].value_text == "(2+)"
    assert back.medications[0].end is None and back.medications[0].codes[1].code == "1008697"
    assert samples.minimal("X") == PatientRecord(id="X")  # the minimal record really is all defaults


def test_ten_megabyte_document(store: Store, samples: type[Samples]) -> None:
    record = samples.big("P-BIG", megabytes=10)
    assert len(record.documents[0].text.encode()) >= 10 * 1024 * 1024
    store.add_records([record])

    assert store.get_document("P-BIG-D1") == record.documents[0]
    assert store.get_patient_record("P-BIG") == record


def test_documents_and_ids(store: Store, samples: type[Samples]) -> None:
    records = [samples.rich(pid) for pid in ("b", "A", "患者", "a", "_")]
    store.add_records(records)

    assert store.patient_ids() == sorted(r.id for r in records)  # code-point order on both backends
    documents = list(store.iter_documents(batch_size=3))
    assert [d.id for d in documents] == sorted(d.id for r in records for d in r.documents)
    assert store.get_document("患者-D2") == records[2].documents[1]
    assert list(store.iter_patient_records(batch_size=2)) == sorted(records, key=lambda r: r.id)


def test_iterating_an_empty_store(store: Store) -> None:
    assert list(store.iter_patient_records()) == []
    assert list(store.iter_documents()) == []
    assert store.patient_ids() == []
    assert set(store.counts().values()) == {0}


def test_datetimes_keep_their_offset_in_the_database(store: Store, samples: type[Samples]) -> None:
    store.add_records([samples.rich("P001")])
    engine = create_engine(store.url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT datetime FROM documents ORDER BY id")).scalars().all()
    finally:
        engine.dispose()
    assert stored == ["2024-04-01T09:30:15.123456+09:00", "2024-04-02T08:00:00"]
    back = store.get_document("P001-D1").datetime
    assert back is not None and back.utcoffset() == dt.timedelta(hours=9)


# -- replace, skip, delete --------------------------------------------------------------------------


def test_replacing_a_patient_replaces_all_its_children(store: Store, samples: type[Samples]) -> None:
    store.add_records([samples.rich("P001"), samples.rich("P002")])
    new = PatientRecord(
        id="P001",
        name="山田 花子（改姓後）",
        documents=[samples.document("P001-D9", ("頭痛", "朝から頭痛。", "鎮痛薬。"))],
    )
    report = store.add_records([new])

    assert report.replaced == 1 and report.patients == 1 and report.documents == 1
    assert store.get_patient_record("P001") == new
    for gone in ("P001-D1", "P001-D2"):
        with pytest.raises(NotFoundError):
            store.get_document(gone)
    assert store.get_patient_record("P002") == samples.rich("P002")
    assert store.counts()["observations"] == 2  # only P002's are left


def test_replace_false_leaves_existing_patients(store: Store, samples: type[Samples]) -> None:
    store.add_records([samples.rich("P001")])
    report = store.add_records([PatientRecord(id="P001", name="別人"), samples.rich("P002")], replace=False)

    assert report.skipped == ["P001"] and report.patients == 1 and report.ok
    assert store.get_patient_record("P001") == samples.rich("P001")


def test_delete_patient_deletes_children(store: Store, samples: type[Samples]) -> None:
    store.add_records([samples.rich("P001"), samples.rich("P002")])
    store.delete_patient("P001")

    assert store.patient_ids() == ["P002"]
    assert store.counts()["documents"] == 2
    with pytest.raises(NotFoundError):
        store.get_document("P001-D1")
    with pytest.raises(NotFoundError, match="P001"):
        store.delete_patient("P001")


# -- errors ---------------------------------------------------------------------------------------


def test_not_found_errors_name_the_id(store: Store) -> None:
    with pytest.raises(NotFoundError, match="患者 'P404' が見つかりません") as patient_error:
        store.get_patient_record("P404")
    assert patient_error.value.record_id == "P404" and "(patient 'P404' not found)" in str(
        patient_error.value
    )
    with pytest.raises(NotFoundError, match=r"文書 'D404' が見つかりません \(document 'D404' not found\)"):
        store.get_document("D404")


def test_document_of_another_patient_fails_that_record_only(store: Store, samples: type[Samples]) -> None:
    store.add_records([samples.rich("P001")])
    thief = PatientRecord(
        id="P002",
        documents=[
            samples.document("P002-D1", ("a", "b", "c")),
            samples.document("P001-D1", ("x", "y", "z")),
        ],
    )
    report = store.add_records([thief, samples.rich("P003")])

    assert [e.id for e in report.errors] == ["P002"]
    error = report.errors[0].error
    assert error.type == "conflict" and error.field == "documents"
    assert "文書 'P001-D1'" in error.message and "already stored under patient 'P001'" in error.message
    assert report.patients == 1 and store.patient_ids() == ["P001", "P003"]
    assert store.get_patient_record("P001") == samples.rich("P001")
    with pytest.raises(NotFoundError):  # nothing of the failed record was written
        store.get_document("P002-D1")


def test_other_kinds_and_duplicates_conflict_too(store: Store, samples: type[Samples]) -> None:
    store.add_records([samples.rich("P001")])
    observation = Observation(id="P001-O1", local_name="CRP", value=0.1)
    twice = Document(id="D", text="同じ id")
    report = store.add_records(
        [
            PatientRecord(id="P002", observations=[observation]),
            PatientRecord(id="P003", documents=[twice, twice.model_copy()]),
        ]
    )

    assert [(e.id, e.error.field) for e in report.errors] == [("P002", "observations"), ("P003", "documents")]
    assert "appears twice" in report.errors[1].error.message
    assert store.patient_ids() == ["P001"]


def test_a_row_the_database_refuses_fails_that_record_only(store: Store, samples: type[Samples]) -> None:
    broken = PatientRecord(id="P002", name="壊れた\udcff名前")  # a lone surrogate cannot be encoded
    report = store.add_records([samples.rich("P001"), broken, samples.rich("P003")])

    assert [e.id for e in report.errors] == ["P002"] and report.errors[0].error.type == "store_error"
    assert "患者 'P002' を保存できません" in report.errors[0].error.message
    assert "(cannot store patient 'P002')" in report.errors[0].error.message
    assert report.patients == 2 and report.documents == 4
    assert store.patient_ids() == ["P001", "P003"]
    assert store.get_patient_record("P003") == samples.rich("P003")


def test_records_sharing_ids_in_one_call_are_written_in_order(store: Store, samples: type[Samples]) -> None:
    first, second = samples.rich("P001"), PatientRecord(id="P001", name="二回目")
    thief = PatientRecord(id="P002", observations=[Observation(id="P001-O1", local_name="CRP", value=0.3)])
    report = store.add_records([first, thief, second, samples.rich("P003")])

    assert (report.patients, report.replaced) == (3, 1)
    assert [(e.id, e.error.field) for e in report.errors] == [("P002", "observations")]
    assert store.get_patient_record("P001") == second
    assert store.patient_ids() == ["P001", "P003"]


def test_numbers_that_would_not_read_back_are_refused(store: Store, samples: type[Samples]) -> None:
    nan = Observation(id="O-NAN", local_name="CRP", value=float("nan"))
    report = store.add_records([PatientRecord(id="P002", observations=[nan]), samples.rich("P001")])

    assert [(e.id, e.error.type, e.error.field) for e in report.errors] == [
        ("P002", "invalid_input", "observations.value")
    ]
    assert list(store.iter_patient_records()) == [samples.rich("P001")]


def test_batches_are_committed_as_they_go(store: Store, samples: type[Samples]) -> None:
    def records() -> Iterator[PatientRecord]:
        for n in range(5):
            yield samples.minimal(f"P{n}")
        raise RuntimeError("loader broke")

    with pytest.raises(RuntimeError, match="loader broke"):
        store.add_records(records(), batch_size=2)
    assert store.patient_ids() == ["P0", "P1", "P2", "P3"]  # the fifth was in the open batch


def test_many_patients(store: Store) -> None:
    records = (
        PatientRecord(id=f"P{n:05d}", documents=[Document(id=f"D{n:05d}", text=f"患者{n}の記録")])
        for n in range(10_000)
    )
    report = store.add_records(records)

    assert report.patients == 10_000 and report.documents == 10_000 and report.ok
    assert store.counts()["patients"] == 10_000
    ids = [r.id for r in store.iter_patient_records(batch_size=1000)]
    assert len(ids) == 10_000 and ids == sorted(ids)


# -- migrations -----------------------------------------------------------------------------------


def test_migrating_twice_is_harmless(store_url: str, samples: type[Samples]) -> None:
    with open_store(store_url) as first:
        assert first.revision() == head_revision()
        first.add_records([samples.rich("P001")])
    with open_store(store_url) as second:
        assert second.upgrade() == head_revision()
        assert second.revision() == head_revision()
        assert second.get_patient_record("P001") == samples.rich("P001")


def test_a_new_database_has_no_revision_until_upgraded(store_url: str) -> None:
    if store_url.startswith("sqlite:///"):
        Path(store_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    with Store(store_url) as store:
        assert store.revision() is None
        store.upgrade()
        assert store.revision() == head_revision()


def test_downgrade_to_base_and_upgrade_again(store_url: str, samples: type[Samples]) -> None:
    with open_store(store_url) as store:
        store.add_records([samples.rich("P001")])
    engine = make_engine(normalize_url(store_url))
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
    finally:
        engine.dispose()
    with Store(store_url) as store:
        assert store.revision() is None
        assert store.upgrade() == head_revision()
        assert store.counts()["patients"] == 0


def test_migration_creates_exactly_the_declared_schema(store: Store) -> None:
    import karte.web.tables  # noqa: F401  (declares the service tables of migration 0002 in Base.metadata)

    engine = create_engine(store.url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()


# -- SQLite and settings ----------------------------------------------------------------------------


def test_open_store_defaults_to_karte_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, samples: type[Samples]
) -> None:
    home = tmp_path / "does" / "not" / "exist"
    monkeypatch.setenv("KARTE_HOME", str(home))
    monkeypatch.delenv("KARTE_DB", raising=False)
    monkeypatch.delenv("KARTE_CONFIG", raising=False)
    reset_settings_cache()
    try:
        with open_store() as store:
            assert store.url == f"sqlite:///{home / 'karte.db'}"
            store.add_records([samples.minimal("P1")])
        assert (home / "karte.db").is_file()
    finally:
        reset_settings_cache()


def test_in_memory_sqlite(samples: type[Samples]) -> None:
    with open_store("sqlite:///:memory:") as store:
        store.add_records([samples.rich("P001")])
        assert store.get_patient_record("P001") == samples.rich("P001")


def test_in_memory_sqlite_is_one_database_for_all_threads(samples: type[Samples]) -> None:
    with open_store("sqlite://") as store:
        store.add_records([samples.rich("P001")])
        with ThreadPoolExecutor(max_workers=1) as pool:  # one thread at a time: one shared connection
            assert pool.submit(store.patient_ids).result() == ["P001"]
            pool.submit(store.add_records, [samples.minimal("P002")]).result()
        assert store.patient_ids() == ["P001", "P002"]


def test_bad_urls_and_unreachable_servers_say_so() -> None:
    invalid = r"データベース URL .* を使えません: .*\(invalid or unsupported database URL\)"
    for url in ("not a url", "nosuchdb://x/y"):
        with pytest.raises(ConfigError, match=invalid):
            open_store(url)
    with pytest.raises(StoreError, match=r"データベースに接続できないか") as error:
        open_store("postgresql://karte:secret@127.0.0.1:1/karte")  # nothing listens on port 1
    assert "(cannot open the database postgresql+psycopg://karte:***@127.0.0.1:1/karte)" in str(error.value)
    assert "secret" not in str(error.value)


def test_postgres_urls_use_psycopg_3() -> None:
    assert normalize_url("postgresql://u:pw@db:5432/karte") == "postgresql+psycopg://u:pw@db:5432/karte"
    assert normalize_url("postgres://u@db/karte") == "postgresql+psycopg://u@db/karte"
    assert normalize_url("postgresql+psycopg://u@db/k") == "postgresql+psycopg://u@db/k"
    assert normalize_url("sqlite:////var/karte.db") == "sqlite:////var/karte.db"


def test_migrations_ship_with_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file() and (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "__init__.py").is_file()  # a package: found by setuptools
    assert not list(MIGRATIONS_DIR.rglob("alembic.ini"))
