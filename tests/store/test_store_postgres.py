"""What is particular to PostgreSQL, on the real server of conftest.py's ``pg_server`` fixture.

The store's general behaviour runs on PostgreSQL too: every test of test_store_sqlite.py that
takes ``store`` or ``store_url`` has a ``[postgres]`` case. Without the server binaries these
tests are skipped ("PostgreSQL server not installed: apt-get install postgresql").
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from karte.config import reset_settings_cache
from karte.records.models import PatientRecord
from karte.records.store import head_revision, open_store

if TYPE_CHECKING:
    from conftest import PgServer, Samples

pytestmark = pytest.mark.postgres


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_the_server_is_real_and_unprivileged(pg_server: PgServer) -> None:
    with psycopg.connect(_libpq(pg_server.url()), connect_timeout=10) as conn:
        version = conn.execute("SELECT version()").fetchone()
        data_directory = conn.execute("SELECT current_setting('data_directory')").fetchone()
        backend_pid = conn.execute("SELECT pg_backend_pid()").fetchone()
        # The backend serving this connection runs as an unprivileged user (checked while it lives).
        assert backend_pid is not None and os.stat(f"/proc/{backend_pid[0]}").st_uid != 0
    assert version is not None and str(version[0]).startswith("PostgreSQL ")
    assert data_directory is not None and Path(data_directory[0]) == pg_server.datadir


def test_plain_postgresql_urls_use_psycopg_3(pg_server: PgServer, samples: type[Samples]) -> None:
    url = _libpq(pg_server.create_database())
    with open_store(url) as store:
        assert store.url.startswith("postgresql+psycopg://")
        store.add_records([samples.rich("P001")])
        assert store.get_patient_record("P001") == samples.rich("P001")


def test_open_store_reads_karte_db(pg_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    url = _libpq(pg_server.create_database())
    monkeypatch.setenv("KARTE_DB", url)
    monkeypatch.delenv("KARTE_CONFIG", raising=False)
    reset_settings_cache()
    try:
        with open_store() as store:
            assert store.url == url.replace("postgresql://", "postgresql+psycopg://")
            assert store.revision() == head_revision()
    finally:
        reset_settings_cache()


def test_ids_sort_by_code_point_under_a_japanese_collation(pg_server: PgServer) -> None:
    url = pg_server.create_database("TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'ja-JP'")
    with psycopg.connect(_libpq(url), connect_timeout=10) as conn:
        rows = conn.execute("SELECT x FROM (VALUES ('a'), ('B')) AS t(x) ORDER BY x").fetchall()
    assert [r[0] for r in rows] == ["a", "B"]  # the database's own order is not code-point order

    ids = ["b", "B", "a", "A", "_", "患者", "かな", "Z9", "z10"]
    with open_store(url) as store:
        store.add_records([PatientRecord(id=i) for i in ids])
        assert store.patient_ids() == sorted(ids)
        assert [r.id for r in store.iter_patient_records(batch_size=2)] == sorted(ids)


def test_concurrent_opens_migrate_once(pg_server: PgServer) -> None:
    url = pg_server.create_database()

    def open_and_read(_: int) -> str | None:
        with open_store(url) as store:
            return store.revision()

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(open_and_read, range(4))) == [head_revision()] * 4


def test_nul_character_fails_that_record_only(pg_server: PgServer, samples: type[Samples]) -> None:
    with open_store(pg_server.create_database()) as store:
        report = store.add_records([samples.rich("P001"), PatientRecord(id="P002", name="山田\x00太郎")])
        assert [e.id for e in report.errors] == ["P002"] and report.errors[0].error.type == "store_error"
        assert store.patient_ids() == ["P001"]
