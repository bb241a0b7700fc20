"""Folder of plain-text notes: layout, file names, encodings, and bad files reported one by one."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

from karte.errors import InputError
from karte.records.loaders import LoadProblem, load_path
from karte.records.loaders.text_folder import load_text_folder, parse_note_name
from karte.records.models import PatientRecord

ADMISSION = "【主訴】\n胸痛\n【現病歴】\n3日前から労作時の胸部圧迫感。"
PROGRESS_SJIS = "【経過】\n解熱し、食事摂取良好。① 髙橋医師へ報告。"


def _split(items: list[Any]) -> tuple[dict[str, PatientRecord], list[LoadProblem]]:
    return (
        {x.id: x for x in items if isinstance(x, PatientRecord)},
        [x for x in items if isinstance(x, LoadProblem)],
    )


def _write(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    _write(root, "P0001/2024-03-01_入院時記録.txt", ADMISSION.encode("utf-8"))
    _write(root, "P0001/外来/20240315_経過記録_追記.txt", "追記です。".encode())
    _write(root, "P0002/経過メモ.txt", PROGRESS_SJIS.encode("cp932"))
    _write(root, "P0003/empty.txt", b"")
    _write(root, "P0003/scan.txt", b"\x89PNG\r\n\x1a\n\x00\x00" + random.Random(3).randbytes(2000))
    _write(root, "P0003/ok.txt", "問題なし".encode())
    _write(root, "2024-04-01_退院時サマリー.txt", "退院。".encode())
    _write(root, "P0009_2024-05-01_検査結果.txt", b"CRP 0.3")
    _write(root, "P0001_紹介状.txt", "紹介状本文".encode())
    _write(root, "P0002/image.png", b"\x89PNG")
    _write(root, ".hidden/secret.txt", b"ignored")
    return root


def test_layout_ids_dates_and_types(notes: Path) -> None:
    records, _ = _split(list(load_path(notes)))
    assert sorted(records) == ["P0001", "P0002", "P0003", "P0009", "unknown"]
    docs = {d.id: d for d in records["P0001"].documents}
    assert sorted(docs) == [
        "P0001/2024-03-01_入院時記録",
        "P0001/外来/20240315_経過記録_追記",
        "P0001_紹介状",
    ]
    admission = docs["P0001/2024-03-01_入院時記録"]
    assert admission.text == ADMISSION
    assert (admission.type, admission.datetime, admission.title) == (
        "入院時記録",
        dt.datetime(2024, 3, 1),
        None,
    )
    assert admission.patient_id == "P0001"
    assert admission.source == str(notes / "P0001/2024-03-01_入院時記録.txt")
    extra = docs["P0001/外来/20240315_経過記録_追記"]
    assert (extra.type, extra.datetime) == ("経過記録", dt.datetime(2024, 3, 15))
    assert docs["P0001_紹介状"].type == "紹介状"
    memo = records["P0002"].documents[0]
    assert (memo.id, memo.type, memo.title, memo.datetime) == ("P0002/経過メモ", "経過記録", "経過メモ", None)
    result = records["P0009"].documents[0]
    assert (result.id, result.type, result.datetime) == (
        "P0009_2024-05-01_検査結果",
        "検査結果",
        dt.datetime(2024, 5, 1),
    )
    assert [d.id for d in records["unknown"].documents] == ["2024-04-01_退院時サマリー"]
    assert records["unknown"].documents[0].type == "退院時サマリー"
    assert not any("secret" in d.id for r in records.values() for d in r.documents)


def test_bad_files_are_problems_and_the_rest_loads(notes: Path) -> None:
    records, problems = _split(list(load_path(notes)))
    assert [d.id for d in records["P0003"].documents] == ["P0003/ok"]
    by_source = {(Path(p.source).name, p.severity): p for p in problems}
    empty = by_source[("empty.txt", "error")]
    assert (empty.field, empty.record_id) == ("text", "P0003/empty")
    assert "テキストが空です" in empty.message
    binary = by_source[("scan.txt", "error")]
    assert binary.type == "binary_data" and "scan.txt" in binary.message
    sjis = by_source[("経過メモ.txt", "warning")]
    assert sjis.type == "converted_encoding" and "Shift_JIS" in sjis.message
    assert records["P0002"].documents[0].text == PROGRESS_SJIS
    skipped = next(p for p in problems if p.type == "skipped_file")
    assert "image.png" in skipped.message and skipped.severity == "warning"
    unknown = next(p for p in problems if p.type == "unknown_patient")
    assert "2024-04-01_退院時サマリー.txt" in unknown.message and unknown.severity == "warning"
    assert sum(p.severity == "error" for p in problems) == 2


def test_single_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "P0042_2023-12-24_経過記録.txt", "経過良好".encode("cp932"))
    records, problems = _split(list(load_path(path)))
    doc = records["P0042"].documents[0]
    assert (doc.id, doc.type, doc.text) == ("P0042_2023-12-24_経過記録", "経過記録", "経過良好")
    assert [p.type for p in problems] == ["converted_encoding"]


def test_binary_single_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "garbage.txt", bytes(random.Random(1).randrange(256) for _ in range(5000)) + b"\x00"
    )
    items = list(load_path(path))
    problems = [x for x in items if isinstance(x, LoadProblem)]
    assert problems == items
    assert any(x.severity == "error" and x.source == str(path) for x in problems)


def test_invalid_date_in_name_is_a_warning(tmp_path: Path) -> None:
    _write(tmp_path / "n", "P1/2024-02-30_経過記録.txt", "本文".encode())
    records, problems = _split(list(load_path(tmp_path / "n")))
    assert records["P1"].documents[0].datetime is None
    assert [(p.type, p.field, p.severity) for p in problems] == [("invalid_date", "datetime", "warning")]


def test_ten_megabyte_note(tmp_path: Path) -> None:
    note = "".join(f"{i:07d}：所見なし。\n" for i in range(600_000))
    assert len(note.encode("utf-8")) > 10_000_000
    _write(tmp_path / "n", "P1/big.txt", note.encode("utf-8"))
    records, _ = _split(list(load_path(tmp_path / "n")))
    assert records["P1"].documents[0].text == note


def test_parse_note_name() -> None:
    assert parse_note_name("2024-03-01_入院時記録", patient_prefix=True).patient_id is None
    name = parse_note_name("P7_20240301_手術記録_第2版", patient_prefix=True)
    assert (name.patient_id, name.datetime, name.type) == ("P7", dt.datetime(2024, 3, 1), "手術記録")
    assert parse_note_name("P7_x", patient_prefix=False).title == "P7_x"


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load_text_folder(tmp_path / "nope")
