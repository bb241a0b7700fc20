"""Karte's own JSONL format: one :class:`PatientRecord` per line, read as a stream.

A line may also be a bare :class:`Document` (it has a top-level ``"text"``); such documents are
grouped by their ``patient_id`` (``"unknown"`` with a warning when it is missing) and yielded as
patient records after the last line. A patient is either written as full record lines or as bare
document lines: bare documents of a patient who also has a full record line are reported, not merged.

Every line that cannot be loaded becomes a :class:`LoadProblem` naming the line and, where known,
the field (``documents[0].text``); the other lines still load. Blank lines are skipped. Lines are
decoded one by one (UTF-8, else Shift_JIS/CP932 with one warning for the file), so a single line in
the wrong encoding costs only that line. The file is never read whole: a 10 MB line is fine.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from karte.errors import InputError
from karte.records.encoding import CP932, decode_line
from karte.records.loaders.base import LoadItem, LoadProblem
from karte.records.models import Document, PatientRecord

UNKNOWN_PATIENT = "unknown"
CHILD_KINDS = ("documents", "observations", "medications", "allergies", "conditions")
_MAX_LISTED = 10
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_PYDANTIC_JA = {
    "missing": "必須項目がありません",
    "extra_forbidden": "未知の項目です",
    "string_type": "文字列ではありません",
    "string_too_short": "空の値は使えません",
    "string_too_long": "値が長すぎます",
    "int_type": "整数ではありません",
    "int_parsing": "整数として読めません",
    "float_type": "数値ではありません",
    "float_parsing": "数値として読めません",
    "date_type": "日付ではありません",
    "date_parsing": "日付として読めません",
    "date_from_datetime_parsing": "日付として読めません",
    "date_from_datetime_inexact": "日付に時刻が含まれています",
    "datetime_type": "日時ではありません",
    "datetime_parsing": "日時として読めません",
    "datetime_from_date_parsing": "日時として読めません",
    "literal_error": "許可されていない値です",
    "list_type": "リストではありません",
    "dict_type": "オブジェクトではありません",
    "model_type": "オブジェクトではありません",
    "greater_than_equal": "値が小さすぎます",
    "less_than_equal": "値が大きすぎます",
}


def format_loc(loc: Iterable[int | str]) -> str | None:
    """``("documents", 0, "text")`` → ``"documents[0].text"``; ``()`` → ``None``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def _bilingual(err: Any) -> str:
    msg = str(err.get("msg", ""))
    if err.get("type") == "value_error":
        msg = msg.removeprefix("Value error, ")
        return msg if _JAPANESE.search(msg) else f"値が不正です ({msg})"
    ja = _PYDANTIC_JA.get(str(err.get("type")), "値が不正です")
    return f"{ja} ({msg})"


def validation_problems(
    exc: ValidationError,
    *,
    source: str,
    location: str | None,
    record_id: str | None,
) -> list[LoadProblem]:
    """One error :class:`LoadProblem` per pydantic error, with the field path from its ``loc``.

    Input values are never copied into the message (a note can be megabytes long).
    """
    return [
        LoadProblem(
            source=source,
            location=location,
            record_id=record_id,
            type="validation_error",
            message=_bilingual(err),
            field=format_loc(err["loc"]),
        )
        for err in exc.errors(include_input=False, include_url=False)
    ]


def _line_list(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:_MAX_LISTED])
    return shown + (f" … ({len(lines)})" if len(lines) > _MAX_LISTED else "")


class _JsonlReader:
    """State of one file: ids seen, bare documents waiting to be grouped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = str(path)
        self.patient_lines: dict[str, int] = {}
        self.child_ids: dict[str, dict[str, int]] = {kind: {} for kind in CHILD_KINDS}
        self.bare: dict[str, list[tuple[int, Document]]] = {}
        self.cp932_lines: list[int] = []

    def problem(self, line: int, type: str, message: str, **kw: Any) -> LoadProblem:
        return LoadProblem(source=self.source, location=f"line {line}", type=type, message=message, **kw)

    def raw_lines(self) -> Iterator[tuple[int, str | InputError]]:
        """Yield ``(line number, decoded text or the decoding error)``, streaming."""
        with self.path.open("rb") as f:
            head = f.read(2)
            f.seek(0)
            if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                yield from self.utf16_lines(f)
                return
            for n, raw in enumerate(f, start=1):
                try:
                    text, encoding = decode_line(raw, source=self.source, line=n)
                except InputError as exc:
                    yield n, exc
                    continue
                if encoding == CP932:
                    self.cp932_lines.append(n)
                yield n, text

    def utf16_lines(self, f: IO[bytes]) -> Iterator[tuple[int, str | InputError]]:
        n = 0
        try:
            for n, line in enumerate(io.TextIOWrapper(f, encoding="utf-16", newline=None), start=1):
                yield n, line.rstrip("\r\n")
        except UnicodeDecodeError as exc:
            yield (
                n + 1,
                InputError(
                    f"{self.source} line {n + 1}: UTF-16 として読めません。以降の行は読み込めません "
                    f"(not valid UTF-16: {exc.reason}; the rest of the file cannot be read)",
                    type="encoding_error",
                ),
            )

    def read(self) -> Iterator[LoadItem]:
        for n, text in self.raw_lines():
            if isinstance(text, InputError):
                yield self.problem(n, text.type, text.message)
            elif text and not text.isspace():
                yield from self.line(n, text)
        yield from self.flush_bare()
        cp932 = self.cp932_lines
        if cp932:
            yield LoadProblem(
                source=self.source,
                location=f"line {cp932[0]}" if len(cp932) == 1 else f"lines {_line_list(cp932)}",
                type="converted_encoding",
                severity="warning",
                message=(
                    f"UTF-8 ではない行 ({len(cp932)} 行) を Shift_JIS (CP932) として読み込みました。"
                    f"ファイルを UTF-8 で保存してください "
                    f"(decoded {len(cp932)} line(s) as Shift_JIS/CP932; please save the file as UTF-8)"
                ),
            )

    def line(self, n: int, text: str) -> Iterator[LoadItem]:
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield self.problem(
                n,
                "invalid_json",
                f"JSON として読めません: {exc.msg} ({exc.colno} 文字目) "
                f"(not valid JSON: {exc.msg} at column {exc.colno})",
            )
            return
        if not isinstance(obj, dict):
            yield self.problem(
                n,
                "not_an_object",
                f"JSON オブジェクトではありません ({type(obj).__name__}) (line is not a JSON object)",
            )
            return
        raw_id = obj.get("id")
        if raw_id is None or raw_id == "":
            what = (
                "文書 ID がありません (missing document id)"
                if "text" in obj
                else "患者 ID がありません (missing patient id)"
            )
            yield self.problem(n, "missing_id", what, field="id")
            return
        rid = str(raw_id)
        if "text" in obj:
            yield from self.bare_document(n, obj, rid)
            return
        try:
            record = PatientRecord.model_validate(obj)
        except ValidationError as exc:
            yield from validation_problems(exc, source=self.source, location=f"line {n}", record_id=rid)
            return
        first = self.patient_lines.get(record.id)
        if first is not None:
            yield self.problem(
                n,
                "duplicate_id",
                f"患者 ID {record.id!r} は行 {first} と重複しています。最初の行を採用しました "
                f"(duplicate patient id, first seen on line {first}; this line is skipped)",
                record_id=record.id,
                field="id",
            )
            return
        self.patient_lines[record.id] = n
        yield from self.drop_duplicate_children(n, record)
        yield record

    def drop_duplicate_children(self, n: int, record: PatientRecord) -> Iterator[LoadProblem]:
        """Remove children whose id was already used in this file, reporting each."""
        for kind in CHILD_KINDS:
            kept = []
            for i, child in enumerate(getattr(record, kind)):
                first = self.child_ids[kind].get(child.id)
                if first is None:
                    self.child_ids[kind][child.id] = n
                    kept.append(child)
                    continue
                yield self.problem(
                    n,
                    "duplicate_id",
                    f"{kind} の ID {child.id!r} は行 {first} と重複しています。この項目は読み込みません "
                    f"(duplicate {kind} id, first seen on line {first}; this item is skipped)",
                    record_id=child.id,
                    field=f"{kind}[{i}].id",
                )
            setattr(record, kind, kept)

    def bare_document(self, n: int, obj: dict[str, Any], rid: str) -> Iterator[LoadProblem]:
        try:
            doc = Document.model_validate(obj)
        except ValidationError as exc:
            yield from validation_problems(exc, source=self.source, location=f"line {n}", record_id=rid)
            return
        first = self.child_ids["documents"].get(doc.id)
        if first is not None:
            yield self.problem(
                n,
                "duplicate_id",
                f"文書 ID {doc.id!r} は行 {first} と重複しています "
                f"(duplicate document id, first seen on line {first})",
                record_id=doc.id,
                field="id",
            )
            return
        self.child_ids["documents"][doc.id] = n
        if doc.patient_id is None:
            yield self.problem(
                n,
                "unknown_patient",
                f"患者 ID (patient_id) がないため患者 {UNKNOWN_PATIENT!r} に入れました "
                f"(no patient_id: document assigned to patient {UNKNOWN_PATIENT!r})",
                record_id=doc.id,
                field="patient_id",
                severity="warning",
            )
        self.bare.setdefault(doc.patient_id or UNKNOWN_PATIENT, []).append((n, doc))

    def flush_bare(self) -> Iterator[LoadItem]:
        for pid, docs in self.bare.items():
            full = self.patient_lines.get(pid)
            if full is not None:
                for n, doc in docs:
                    yield self.problem(
                        n,
                        "duplicate_id",
                        f"患者 {pid!r} は行 {full} に完全な記録があります。文書だけの行は読み込みません。"
                        f"文書はその行の documents に入れてください "
                        f"(patient {pid!r} has a full record on line {full}; "
                        "put this document in its documents)",
                        record_id=doc.id,
                        field="patient_id",
                    )
                continue
            yield PatientRecord(id=pid, documents=[doc for _, doc in docs])


def load_jsonl(path: Path) -> Iterator[LoadItem]:
    """Stream a Karte JSONL file: records and problems in line order (grouped bare documents last)."""
    return _JsonlReader(Path(path)).read()
