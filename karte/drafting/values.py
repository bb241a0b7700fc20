"""Dates, doses and measured values in Japanese chart text, as comparable keys.

Work is done on Karte-normalised text (:func:`karte.text.normalize`: full-width digits and units are
already half-width), so ``２０２５年６月１日`` and ``2025-06-01`` give the same date key and
``１００ｍｇ`` and ``100 mg`` the same dose key. Offsets returned are in the text given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"(\d+(?:\.\d+)?)"
# Units, longest first so that mg/dL is not read as mg. Dose units are those of prescriptions.
_VALUE_UNITS = (
    "×10^3/μL",
    "×10^4/μL",
    "×10^6/μL",
    "x10^3/μL",
    "x10^4/μL",
    "10^3/μL",
    "10^4/μL",
    "万/μL",
    "/μL",
    "mg/dL",
    "g/dL",
    "μg/dL",
    "ng/mL",
    "pg/mL",
    "mg/L",
    "mmol/L",
    "mEq/L",
    "mL/min/1.73m2",
    "mL/分",
    "mL/日",
    "L/分",
    "IU/L",
    "U/L",
    "U/mL",
    "mmHg",
    "bpm",
    "/min",
    "/分",
    "kg",
    "cm",
    "%",
    "℃",
)
_DOSE_UNITS = (
    "mg",
    "μg",
    "mcg",
    "g",
    "mL",
    "L",
    "単位",
    "IU",
    "錠",
    "カプセル",
    "包",
    "本",
    "滴",
    "枚",
    "パフ",
    "吸入",
    "mEq",
)
_UNIT_PATTERN = "|".join(re.escape(u) for u in sorted(set(_VALUE_UNITS + _DOSE_UNITS), key=len, reverse=True))
_AMOUNT = re.compile(rf"(?<![\d.]){_NUMBER}\s?({_UNIT_PATTERN})(?![A-Za-z])")
_FREQUENCY = re.compile(r"(1日\s?\d+\s?回|分\s?\d(?!\d)|\d+\s?週に\s?\d+\s?回|\d+\s?日分|\d+\s?回/日)")
_DATE_YMD = re.compile(r"(?<!\d)(\d{4})\s?[/\-.]\s?(\d{1,2})\s?[/\-.]\s?(\d{1,2})(?!\d)")
_DATE_KANJI = re.compile(r"(?:(\d{4})\s?年\s?)?(\d{1,2})\s?月\s?(\d{1,2})\s?日")
_DOSE_SET = frozenset(_DOSE_UNITS)
_AFTER_NAME = re.compile(r"(?:\([^)]{0,12}\))?[\s:=|｜]*(?:は|が)?\s*" + _NUMBER)


@dataclass(frozen=True)
class Found:
    """A value found in a text: its kind, comparable key and offsets (in that text)."""

    kind: str  # date | dose | value | frequency
    key: tuple[object, ...]
    start: int
    end: int


def _unit_key(unit: str) -> str:
    return unit.replace("x10", "×10").replace("mcg", "μg").lower()


def _number_key(number: str) -> str:
    """``100`` and ``100.0`` compare equal; ``0.5`` stays ``0.5``."""
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number.lstrip("0") or "0"


def find_dates(text: str) -> list[Found]:
    """``2025年6月1日``, ``6月1日``, ``2025/06/01``, ``2025-06-01`` → key (year or None, month, day)."""
    out: list[Found] = []
    taken: list[tuple[int, int]] = []
    for m in _DATE_YMD.finditer(text):
        month, day = int(m.group(2)), int(m.group(3))
        if 1 <= month <= 12 and 1 <= day <= 31:
            out.append(Found("date", (int(m.group(1)), month, day), m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for m in _DATE_KANJI.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        month, day = int(m.group(2)), int(m.group(3))
        if 1 <= month <= 12 and 1 <= day <= 31:
            year = int(m.group(1)) if m.group(1) else None
            out.append(Found("date", (year, month, day), m.start(), m.end()))
    return sorted(out, key=lambda f: f.start)


def find_amounts(text: str) -> list[Found]:
    """Numbers with a unit: ``dose`` (100mg, 2錠) or ``value`` (147 mg/dL, 37.0℃, 97%)."""
    out: list[Found] = []
    dates = [(d.start, d.end) for d in find_dates(text)]
    for m in _AMOUNT.finditer(text):
        if any(s <= m.start() < e for s, e in dates):
            continue
        unit = m.group(2)
        kind = "dose" if unit in _DOSE_SET else "value"
        out.append(Found(kind, (_number_key(m.group(1)), _unit_key(unit)), m.start(), m.end()))
    for m in _FREQUENCY.finditer(text):
        key = re.sub(r"\s", "", m.group(1))
        out.append(Found("frequency", (key,), m.start(), m.end()))
    return sorted(out, key=lambda f: f.start)


def date_keys_match(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Same month and day, and the same year where both give one."""
    return a[1:] == b[1:] and (a[0] is None or b[0] is None or a[0] == b[0])


def first_number_after(text: str, start: int, window: int = 8) -> tuple[str, int, int] | None:
    """The number (as a key) that follows ``start`` within ``window`` characters (lab name → value)."""
    m = _AFTER_NAME.match(text, start)
    if m is None or m.start(1) - start > window:
        return None
    return _number_key(m.group(1)), m.start(1), m.end(1)
