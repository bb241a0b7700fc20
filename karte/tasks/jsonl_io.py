"""Reading the JSONL contract: one JSON object per line, decoded line by line.

A line that is not UTF-8 (or Shift_JIS, converted with a notice), not JSON, or not an object
becomes a :class:`ParsedLine` carrying an error, so the lines around it are still processed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from karte.errors import ErrorInfo

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
            return None, _encoding_error(line, f"{encoding} として読めません: {exc}"), []
    try:
        return raw.decode("utf-8"), None, []
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        return None, _encoding_error(line, f"UTF-8 ではありません: {utf8_error}"), []
    if any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text):
        return (
            text,
            None,
            [f"{line} 行目を Shift_JIS (CP932) から変換しました (line {line} converted from Shift_JIS)"],
        )
    return None, _encoding_error(line, f"UTF-8 ではありません: {utf8_error}"), []


def _encoding_error(line: int, message: str) -> ErrorInfo:
    return ErrorInfo(
        type="invalid_encoding",
        message=f"{line} 行目: {message} (line {line} is not valid UTF-8 text)",
        line=line,
    )


def parse_jsonl(stream: BinaryIO, *, encoding: str = "auto") -> Iterator[ParsedLine]:
    """Parse a JSONL byte stream; blank lines are skipped (but counted)."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
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
