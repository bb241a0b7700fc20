"""Parse the date spellings the DATE recognizers find, shift them, and write them back in the same
format (西暦 or 和暦, separators, zero padding, kanji numerals, full-width digits)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

ERAS: tuple[tuple[str, str, dt.date], ...] = (  # name, abbreviation, first day
    ("令和", "R", dt.date(2019, 5, 1)),
    ("平成", "H", dt.date(1989, 1, 8)),
    ("昭和", "S", dt.date(1926, 12, 25)),
    ("大正", "T", dt.date(1912, 7, 30)),
    ("明治", "M", dt.date(1868, 1, 25)),
)
_ERA_BY_NAME = {name: start for name, _, start in ERAS}
_ERA_BY_ABBR = {abbr: name for name, abbr, _ in ERAS}
_KNUM = "〇一二三四五六七八九"
_KN = r"[0-9]{1,4}|[一二三四五六七八九十〇]{1,3}"

_FORMS = [
    re.compile(
        rf"(?P<era>令和|平成|昭和|大正|明治) ?(?P<y>元|{_KN}) ?年"
        rf"(?: ?(?P<m>{_KN}) ?月(?: ?(?P<d>{_KN}) ?日)?)?"
    ),
    re.compile(
        r"(?P<abbr>[RHSTMrhstm]) ?(?P<y>元|[0-9]{1,2})"
        r"(?P<sep>[./\-])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})日?"
    ),
    re.compile(
        r"(?P<abbr>[RHSTMrhstm]) ?(?P<y>元|[0-9]{1,2})年"
        r"(?: ?(?P<m>[0-9]{1,2}) ?月(?: ?(?P<d>[0-9]{1,2}) ?日)?)?"
    ),
    re.compile(rf"(?P<y>[0-9]{{4}}) ?年(?: ?(?P<m>{_KN}) ?月(?: ?(?P<d>{_KN}) ?日)?)?"),
    re.compile(r"(?P<y>[0-9]{4})(?P<sep>[/.\-])(?P<m>[0-9]{1,2})(?:(?P=sep)(?P<d>[0-9]{1,2}))?"),
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"),
    re.compile(rf"(?P<m>{_KN}) ?月 ?(?P<d>{_KN}) ?日"),
    re.compile(r"(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})"),
]


def kanji_to_int(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "元":
        return 1
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_KNUM.index(tens) if tens else 1) * 10 + (_KNUM.index(ones) if ones else 0)
    return int("".join(str(_KNUM.index(c)) for c in text))


def int_to_kanji(value: int) -> str:
    if value < 10:
        return _KNUM[value]
    tens, ones = divmod(value, 10)
    return ("" if tens == 1 else _KNUM[tens]) + "十" + (_KNUM[ones] if ones else "")


@dataclass
class ParsedDate:
    text: str
    match: re.Match[str]
    year: int | None  # Gregorian
    month: int | None
    day: int | None
    era: str | None  # 令和 … when written in 和暦

    def anchor(self, default_year: int) -> dt.date:
        """The day that stands for this date when shifting (mid-month, mid-year when imprecise)."""
        year = self.year if self.year is not None else default_year
        if self.month is None:
            return dt.date(year, 7, 2)
        if self.day is None:
            return dt.date(year, self.month, 15)
        return dt.date(year, self.month, self.day)


def parse_date(text: str) -> ParsedDate | None:
    """Parse a normalised DATE span; ``None`` if it is not a valid calendar date."""
    for form in _FORMS:
        m = form.fullmatch(text)
        if m is None:
            continue
        groups = m.groupdict()
        era = groups.get("era")
        if groups.get("abbr"):
            era = _ERA_BY_ABBR[groups["abbr"].upper()]
        year = kanji_to_int(groups["y"]) if groups.get("y") else None
        if era is not None and year is not None:
            year = _ERA_BY_NAME[era].year + year - 1
        month = kanji_to_int(groups["m"]) if groups.get("m") else None
        day = kanji_to_int(groups["d"]) if groups.get("d") else None
        try:
            dt.date(year or 2000, month or 1, day or 1)
        except ValueError:
            return None
        return ParsedDate(text, m, year, month, day, era)
    return None


def _era_of(day: dt.date) -> tuple[str, str, int]:
    for name, abbr, start in ERAS:
        if day >= start:
            return name, abbr, day.year - start.year + 1
    name, abbr, start = ERAS[-1]
    return name, abbr, day.year - start.year + 1


def _render_number(original: str, value: int, *, gannen: bool = False) -> str:
    if original == "元":
        return "元" if value == 1 else str(value)
    if gannen and value == 1 and not original.isdigit():
        return "元"
    if not original.isdigit():
        return int_to_kanji(value)
    return str(value).zfill(len(original)) if original.startswith("0") else str(value)


def shift_date(text: str, days: int, default_year: int = 2001) -> str | None:
    """``text`` (a normalised DATE span) moved by ``days``, in the same format; ``None`` if unparsable."""
    parsed = parse_date(text)
    if parsed is None:
        return None
    new = parsed.anchor(default_year) + dt.timedelta(days=days)
    m = parsed.match
    values: dict[str, str] = {}
    if parsed.era is not None:
        era, abbr, era_year = _era_of(new)
        if m.groupdict().get("era"):
            values["era"] = era
        if m.groupdict().get("abbr"):
            values["abbr"] = abbr if m.group("abbr").isupper() else abbr.lower()
        values["y"] = _render_number(m.group("y"), era_year, gannen=True)
    elif m.groupdict().get("y"):
        values["y"] = str(new.year)
    if parsed.month is not None:
        values["m"] = _render_number(m.group("m"), new.month)
    if parsed.day is not None:
        values["d"] = _render_number(m.group("d"), new.day)
    pieces: list[str] = []
    pos = 0
    for name in sorted(values, key=lambda g: m.start(g)):
        s, e = m.span(name)
        pieces.append(text[pos:s])
        pieces.append(values[name])
        pos = e
    pieces.append(text[pos:])
    return "".join(pieces)
