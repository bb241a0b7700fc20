"""Karte JSONL loader: good lines load, every bad line is a problem naming its line and field."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

from karte.records.loaders import LoadProblem, load_path
from karte.records.loaders.jsonl import load_jsonl
from karte.records.models import PatientRecord


def _line(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")


def _patient(pid: str, *, doc_id: str | None = None, text: str = "【主訴】胸痛") -> dict[str, Any]:
    return {
        "id": pid,
        "sex": "female",
        "birth_date": "1950-04-01",
        "documents": [
            {
                "id": doc_id or f"{pid}-d1",
                "type": "入院時記録",
                "datetime": "2024-03-01T10:00:00",
                "text": text,
            }
        ],
        "observations": [{"id": f"{pid}-o1", "local_name": "ｸﾚｱﾁﾆﾝ", "value": 0.8, "unit": "mg/dL"}],
    }


def _split(items: list[Any]) -> tuple[dict[str, PatientRecord], list[LoadProblem]]:
    records = {x.id: x for x in items if isinstance(x, PatientRecord)}
    problems = [x for x in items if isinstance(x, LoadProblem)]
    return records, problems


def _at(problems: list[LoadProblem], line: int) -> list[LoadProblem]:
    return [p for p in problems if p.location == f"line {line}"]


def test_good_file_loads_every_field(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_bytes(_line(_patient("P1")) + b"\n   \n" + _line(_patient("P2")))
    records, problems = _split(list(load_path(path)))
    assert problems == []
    assert list(records) == ["P1", "P2"]
    p1 = records["P1"]
    assert p1.sex == "female" and p1.birth_date is not None and p1.birth_date.year == 1950
    assert p1.documents[0].text == "【主訴】胸痛" and p1.documents[0].type == "入院時記録"
    assert p1.documents[0].patient_id == "P1"
    assert p1.observations[0].value == 0.8 and p1.observations[0].local_name == "ｸﾚｱﾁﾆﾝ"


def test_bad_lines_are_reported_and_the_others_load(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        _line(_patient("P1")),  # 1 good
        b'{"id": "P2", "documents": [\n',  # 2 not JSON
        b"[1, 2, 3]\n",  # 3 not an object
        _line({"sex": "male", "documents": []}),  # 4 missing id
        _line(_patient("P1", doc_id="other-doc")),  # 5 duplicate patient id
        b'{"id": "P6", "documents": [{"id": "d6", "text": "\xff\xfe\x80 bad"}]}\n',  # 6 not UTF-8
        _line(_patient("P7", text="   ")),  # 7 empty text
        _line({**_patient("P8"), "birth_date": "1950-02-30"}),  # 8 impossible date
        b"\n",  # 9 blank
        _line(_patient("P10")),  # 10 good
    ]
    path.write_bytes(b"".join(lines))
    records, problems = _split(list(load_jsonl(path)))

    assert sorted(records) == ["P1", "P10"]
    assert records["P1"].documents[0].id == "P1-d1"  # the first P1 is kept, not the duplicate
    assert all(p.source == str(path) and p.severity == "error" for p in problems)
    assert {p.location for p in problems} == {f"line {n}" for n in (2, 3, 4, 5, 6, 7, 8)}
    assert _at(problems, 2)[0].type == "invalid_json"
    assert _at(problems, 3)[0].type == "not_an_object"
    assert (_at(problems, 4)[0].type, _at(problems, 4)[0].field) == ("missing_id", "id")
    dup = _at(problems, 5)[0]
    assert (dup.type, dup.field, dup.record_id) == ("duplicate_id", "id", "P1")
    assert "line 1" in dup.message
    assert _at(problems, 6)[0].type == "encoding_error" and "line 6" in _at(problems, 6)[0].message
    empty = _at(problems, 7)[0]
    assert (empty.field, empty.record_id) == ("documents[0].text", "P7")
    assert "テキストが空です" in empty.message
    assert _at(problems, 8)[0].field == "birth_date"
    # Every message is Japanese first, with English in parentheses.
    assert all("(" in p.message and p.message.rstrip().endswith(")") for p in problems)


def test_duplicate_document_id_drops_only_that_document(tmp_path: Path) -> None:
    second = _patient("P2", doc_id="P1-d1")
    second["documents"].append({"id": "P2-d2", "text": "経過記録"})
    path = tmp_path / "dup-doc.jsonl"
    path.write_bytes(_line(_patient("P1")) + _line(second))
    records, problems = _split(list(load_path(path)))
    assert [d.id for d in records["P2"].documents] == ["P2-d2"]
    assert len(records["P2"].observations) == 1
    (problem,) = problems
    assert (problem.location, problem.field, problem.record_id) == ("line 2", "documents[0].id", "P1-d1")


def test_bare_documents_are_grouped_by_patient(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_bytes(
        _line({"id": "d1", "patient_id": "P1", "text": "一つ目"})
        + _line({"id": "d2", "text": "患者不明"})
        + _line({"id": "d3", "patient_id": "P1", "text": "二つ目", "type": "退院時サマリー"})
        + _line({"id": "d4", "patient_id": "P9", "text": "完全な記録と混在"})
        + _line(_patient("P9"))
        + _line({"patient_id": "P1", "text": "IDなし"})
    )
    records, problems = _split(list(load_path(path)))
    assert [d.id for d in records["P1"].documents] == ["d1", "d3"]
    assert records["P1"].documents[1].type == "退院時サマリー"
    assert [d.id for d in records["unknown"].documents] == ["d2"]
    assert [d.id for d in records["P9"].documents] == ["P9-d1"]  # the full record, not the bare d4
    warning = next(p for p in problems if p.severity == "warning")
    assert (warning.location, warning.field, warning.record_id) == ("line 2", "patient_id", "d2")
    errors = {p.location: p for p in problems if p.severity == "error"}
    assert set(errors) == {"line 4", "line 6"}
    assert errors["line 4"].record_id == "d4"
    assert (errors["line 6"].type, errors["line 6"].field) == ("missing_id", "id")
    assert "文書 ID" in errors["line 6"].message


def test_shift_jis_file_is_converted_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "sjis.jsonl"
    path.write_bytes(
        (json.dumps(_patient("P1", text="【主訴】胸痛 ① 髙橋"), ensure_ascii=False) + "\r\n").encode("cp932")
        + (json.dumps(_patient("P2", text="【現病歴】咳嗽"), ensure_ascii=False) + "\r\n").encode("cp932")
    )
    records, problems = _split(list(load_path(path)))
    assert records["P1"].documents[0].text == "【主訴】胸痛 ① 髙橋"
    assert records["P2"].observations[0].local_name == "ｸﾚｱﾁﾆﾝ"
    (warning,) = problems
    assert warning.severity == "warning" and warning.type == "converted_encoding"
    assert warning.location == "lines 1, 2" and "Shift_JIS" in warning.message


def test_one_shift_jis_line_in_a_utf8_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "one-sjis.jsonl"
    sjis = (json.dumps(_patient("P2", text="外来記録"), ensure_ascii=False) + "\n").encode("cp932")
    path.write_bytes(_line(_patient("P1")) + sjis + _line(_patient("P3")))
    records, problems = _split(list(load_path(path)))
    assert sorted(records) == ["P1", "P2", "P3"]
    assert records["P2"].documents[0].text == "外来記録"
    assert [(p.location, p.severity) for p in problems] == [("line 2", "warning")]


def test_utf16_file_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "utf16.jsonl"
    path.write_bytes(
        ("\n".join(json.dumps(_patient(p), ensure_ascii=False) for p in ("P1", "P2")) + "\n").encode("utf-16")
    )
    records, problems = _split(list(load_path(path)))
    assert problems == [] and sorted(records) == ["P1", "P2"]


def test_ten_megabyte_note_loads_whole(tmp_path: Path) -> None:
    note = "【現病歴】" + "".join(f"{i:07d}行目：胸痛は認めない。\n" for i in range(300_000))
    assert len(note.encode("utf-8")) > 10_000_000
    path = tmp_path / "big.jsonl"
    path.write_bytes(_line(_patient("P1")) + _line(_patient("P2", text=note)) + _line(_patient("P3")))
    records, problems = _split(list(load_path(path)))
    assert problems == []
    text = records["P2"].documents[0].text
    assert len(text) == len(note) and text.endswith("0299999行目：胸痛は認めない。\n")


def test_reading_is_streamed(tmp_path: Path) -> None:
    note = "経過良好。" * 70_000  # about 1 MB of UTF-8 per line
    path = tmp_path / "many.jsonl"
    with path.open("wb") as f:
        for i in range(24):
            f.write(_line(_patient(f"P{i}", text=note)))
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = sum(1 for item in load_path(path) if isinstance(item, PatientRecord))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 24
    assert peak < size / 2, f"peak {peak} bytes for a {size}-byte file: the file is not streamed"
