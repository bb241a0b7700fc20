"""The audit log is a hash chain: verify finds changed, inserted and deleted rows; the table refuses edits."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from karte.audit import AuditEvent, AuditLog
from karte.audit.database import open_service_engine
from karte.errors import ConfigError


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_service_engine(f"sqlite:///{tmp_path / 'audit.db'}")


def _fill(log: AuditLog, n: int = 5) -> None:
    for i in range(n):
        log.append(
            AuditEvent(
                actor="sato",
                action="chart.view",
                patient_id=f"P{i}",
                ip="10.0.0.1",
                detail={"n": i, "文書": ["D1", "D2"]},
            )
        )


def _drop_guards(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))


def test_appended_events_verify(engine: Engine) -> None:
    log = AuditLog(engine)
    _fill(log)
    report = log.verify()
    assert report.ok and report.rows == 5 and report.head_seq == 5
    assert [e.seq for e in log.recent(3)] == [5, 4, 3]
    assert log.recent(1)[0].detail == {"n": 4, "文書": ["D1", "D2"]}


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET actor = 'x' WHERE seq = 2", "DELETE FROM audit_log"]
)
def test_the_table_refuses_updates_and_deletes(engine: Engine, statement: str) -> None:
    _fill(AuditLog(engine))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        ("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3", "row 3: content altered"),
        ("UPDATE audit_log SET detail = '{}' WHERE seq = 1", "row 1: content altered"),
        ("DELETE FROM audit_log WHERE seq = 2", "rows 2..2 missing"),
    ],
)
def test_verify_finds_tampering(engine: Engine, statement: str, found: str) -> None:
    log = AuditLog(engine)
    _fill(log)
    _drop_guards(engine)
    with engine.begin() as conn:
        conn.execute(text(statement))
    report = log.verify()
    assert not report.ok and any(found in p for p in report.problems)


def test_a_rewritten_chain_still_breaks_at_the_next_row(engine: Engine) -> None:
    """Changing a row and fixing its own hash still breaks the link from the row after it."""
    from karte.audit.log import chain_hash

    log = AuditLog(engine)
    _fill(log)
    _drop_guards(engine)
    with engine.begin() as conn:
        row = dict(conn.execute(text("SELECT * FROM audit_log WHERE seq = 2")).mappings().one())
        row["actor"] = "forged"
        conn.execute(
            text("UPDATE audit_log SET actor = 'forged', hash = :h WHERE seq = 2"), {"h": chain_hash(row)}
        )
    report = log.verify()
    assert not report.ok and report.problems == [
        "行 3: 直前の行のハッシュと一致しません (row 3: chain broken)"
    ]


def test_an_anchor_catches_deleted_tail_rows(engine: Engine) -> None:
    log = AuditLog(engine)
    _fill(log)
    head = log.verify()
    _drop_guards(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= 4"))
    assert log.verify().ok  # a shorter chain is still a chain ...
    report = log.verify(anchor=(head.head_seq, head.head_hash))
    assert (
        not report.ok and "rows were deleted at the end" in report.problems[0]
    )  # ... but not the anchored one


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(ConfigError, match="in-memory"):
        open_service_engine("sqlite://")
