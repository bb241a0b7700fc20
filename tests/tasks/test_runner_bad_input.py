"""The JSONL contract: one output per input line, in order; bad lines are errors, never losses."""

from __future__ import annotations

import io
import json

import pytest

from karte.tasks import TaskContext, get_task, run
from karte.tasks.jsonl_io import parse_jsonl
from karte.tasks.runner import RunSummary, run_task

GOOD = {"id": "ok-1", "text": "【主訴】発熱\n【現病歴】３日前から"}


def _run_bytes(data: bytes) -> tuple[list[dict], RunSummary]:
    summary = RunSummary("sections")
    with TaskContext() as ctx:
        out = list(run_task(get_task("sections"), parse_jsonl(io.BytesIO(data)), ctx, summary))
    return out, summary


def _line(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n"


@pytest.mark.parametrize(
    ("bad_line", "error_type", "field"),
    [
        (b"this is not json\n", "invalid_json", None),
        (b"[1, 2]\n", "invalid_input", None),
        (_line({"text": "発熱"}), "missing_id", "id"),
        (_line({"id": "", "text": "発熱"}), "missing_id", "id"),
        (_line({"id": "bad", "text": ""}), "validation_error", "text"),
        (_line({"id": "bad", "text": "   \n"}), "validation_error", "text"),
        (_line({"id": "bad"}), "validation_error", None),
        (_line({"id": "bad", "txt": "発熱"}), "validation_error", "txt"),
        (_line({"id": "bad", "text": 42}), "validation_error", "text"),
        (_line({"id": "bad", "text": "\x00\x01\x02garbage\x00"}), "validation_error", "text"),
        (b'{"id": "bad", "text": "\xff\xfe\xfa"}\n', "invalid_encoding", None),
        (_line({"id": "bad", "document_id": "no-such-document"}), "not_found", "document_id"),
    ],
)
def test_bad_line_between_good_ones(bad_line: bytes, error_type: str, field: str | None) -> None:
    data = _line(GOOD) + bad_line + _line({**GOOD, "id": "ok-2"})
    out, summary = _run_bytes(data)
    assert len(out) == 3
    assert out[0]["id"] == "ok-1" and "sections" in out[0]
    assert out[2]["id"] == "ok-2" and "sections" in out[2]
    err = out[1]["error"]
    assert err["type"] == error_type
    assert err.get("field") == field
    assert err["line"] == 2
    assert err["message"]
    assert summary.ok == 2 and summary.failed == 1


def test_duplicate_id_is_an_error_on_the_second_occurrence() -> None:
    out, _ = _run_bytes(_line(GOOD) + _line(GOOD))
    assert "sections" in out[0]
    assert out[1] == {
        "id": "ok-1",
        "error": {"type": "duplicate_id", "message": out[1]["error"]["message"], "field": "id", "line": 2},
    }


def test_shift_jis_line_is_converted_with_a_notice() -> None:
    sjis = json.dumps({"id": "sj", "text": "【主訴】頭痛"}, ensure_ascii=False).encode("cp932") + b"\n"
    out, summary = _run_bytes(_line(GOOD) + sjis)
    assert out[1]["sections"][0]["name"] == "chief_complaint"
    assert any("Shift_JIS" in n for n in summary.notices)


def test_blank_lines_are_skipped_and_bom_is_ignored() -> None:
    out, _ = _run_bytes(b"\xef\xbb\xbf" + _line(GOOD) + b"\n  \n" + _line({**GOOD, "id": 7}))
    assert [o["id"] for o in out] == ["ok-1", 7]


def test_ten_megabyte_note_is_processed_whole() -> None:
    body = "発熱あり。" * (10 * 1024 * 1024 // 15)
    text = "【主訴】発熱\n【現病歴】" + body
    [result] = run("sections", [{"id": "big", "text": text}])
    history = result["sections"][1]
    assert history["name"] == "present_illness"
    assert history["body_end"] == len(text)
    assert len(history["text"]) == len(body)


def test_task_bug_does_not_lose_other_records(monkeypatch: pytest.MonkeyPatch) -> None:
    import karte.tasks.text_tasks as text_tasks

    real = text_tasks.sectionize

    def flaky(text: str) -> object:
        if "boom" in text:
            raise RuntimeError("boom")
        return real(text)

    monkeypatch.setattr(text_tasks, "sectionize", flaky)
    out = run("sections", [GOOD, {"id": "x", "text": "boom"}, {**GOOD, "id": "ok-3"}])
    assert out[1]["error"]["type"] == "internal_error"
    assert "sections" in out[0] and "sections" in out[2]
