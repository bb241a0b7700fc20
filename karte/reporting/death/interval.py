"""発病（発症）又は受傷から死亡までの期間: ``約3年``, ``2ヶ月``, ``10日``, ``5時間``, ``数分`` → days."""

from __future__ import annotations

import re

from karte.text import normalize

_UNITS = {
    "年": 365.25,
    "ヶ月": 30.44,
    "か月": 30.44,
    "カ月": 30.44,
    "ケ月": 30.44,
    "箇月": 30.44,
    "月": 30.44,
    "週間": 7.0,
    "週": 7.0,
    "日": 1.0,
    "時間": 1 / 24,
    "分": 1 / 1440,
    "秒": 1 / 86400,
}
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_NUMBER = re.compile(rf"(\d+(?:\.\d+)?|数|十数|半)\s*({_UNIT_RE})")
_WORDS = {
    "短時間": 1 / 24,
    "即死": 0.0,
    "即時": 0.0,
    "直後": 0.0,
    "数時間": 3 / 24,
    "数日": 3.0,
    "数年": 3 * 365.25,
}


def interval_days(text: str | None) -> float | None:
    """The interval in days (the largest unit phrase wins: ``1年3ヶ月`` → 456), or None when unknown."""
    if not text:
        return None
    t = normalize(text).text.replace(" ", "")
    if any(w in t for w in ("不詳", "不明")):
        return None
    total = 0.0
    found = False
    for m in _NUMBER.finditer(t):
        num, unit = m.groups()
        value = {"数": 3.0, "十数": 15.0, "半": 0.5}.get(num)
        total += (value if value is not None else float(num)) * _UNITS[unit]
        found = True
    if found:
        return total
    for word, days in _WORDS.items():
        if word in t:
            return days
    return None
