"""Reading the JSONL contract: one JSON object per line, decoded line by line.

A line that is not UTF-8 (or Shift_JIS, converted with a notice), not JSON, or not an object
becomes a :class:`ParsedLine` carrying an error, so the lines around it are still processed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from karte.errors import ErrorInfo, InputError
from karte.records.encoding import decode_line, describe_encoding, is_utf8

ENCODINGS = ("auto", "utf-8", "cp932")


@dataclass
class ParsedLine:
    line: int  # 1-based line number (or 1-based position in a list)
    value: Any = None
    error: ErrorInfo | None = None
    notices: list[str] = field(default_factory=list)


def _decode(raw: bytes, line: int, encoding: str) -> tuple[str | None, ErrorInfo | None, list[str]]:
    if encoding != "auto":
        try:
            return raw.decode(encoding), None, []
        except UnicodeDecodeError as exc:
            return None, _encoding_error(line, f"{line} 行目は {encoding} として読めません: {exc}"), []
    try:
        text, used = decode_line(raw, source="input", line=line)
    except InputError as exc:
        return None, _encoding_error(line, exc.message), []
    if is_utf8(used):
        return text, None, []
    return text, None, [f"{line} 行目を {describe_encoding(used)} から変換しました (line {line} converted)"]


def _encoding_error(line: int, message: str) -> ErrorInfo:
    return ErrorInfo(type="invalid_encoding", message=message, line=line)


BOM = b"\xef\xbb\xbf"


def parse_jsonl(stream: BinaryIO, *, encoding: str = "auto") -> Iterator[ParsedLine]:
    """Parse a JSONL byte stream; blank lines are skipped (but counted)."""
    return parse_lines(stream, first_line=1, encoding=encoding)


def parse_lines(lines: Iterable[bytes], *, first_line: int, encoding: str = "auto") -> Iterator[ParsedLine]:
    """Parse JSONL lines that start at line ``first_line`` of a file (a batch may read from the middle).

    Blank lines are skipped but counted, so errors name the line a user sees in an editor; a UTF-8
    byte-order mark on the file's first line is dropped.
    """
    for number, raw in enumerate(lines, start=first_line):
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        stripped = raw.strip()
        if not stripped:
            continue
        text, error, notices = _decode(stripped, number, encoding)
        if error is not None or text is None:
            yield ParsedLine(number, error=error, notices=notices)
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            preview = text[:40] + ("…" if len(text) > 40 else "")
            yield ParsedLine(
                number,
                error=ErrorInfo(
                    type="invalid_json",
                    message=f"{number} 行目は JSON ではありません: {exc.msg} (列 {exc.colno}) {preview!r} "
                    f"(line {number} is not JSON)",
                    line=number,
                ),
                notices=notices,
            )
            continue
        yield ParsedLine(number, value=value, notices=notices)


def parse_objects(values: Iterable[Any]) -> Iterator[ParsedLine]:
    """Wrap already-parsed values (from the REST API or Python) as parsed lines."""
    for number, value in enumerate(values, start=1):
        yield ParsedLine(number, value=value)


def dump_line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
