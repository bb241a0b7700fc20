"""Dates for the form: 発病・初診・診断・感染推定・死亡年月日 from the dates written near their cue words.

Absolute dates (``2024年5月3日``, ``2024/5/3``, ``令和6年5月3日``, ``5月3日``, ``5/3``) and relative ones
(``3日前``, ``昨日``, ``本日``, ``2週間前``) are read per sentence; relative ones and dates without a year
need the note's date (the document date, or the ``date`` given with the request).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from karte.reporting.notify.findings import Note
from karte.text import normalize

_ABS = re.compile(
    r"(?:(?P<era>令和|平成|R|H)(?P<ey>\d{1,2}|元)年|(?P<y>(?:19|20)\d{2})[年/.\-])?\s*(?P<m>\d{1,2})[月/.\-](?P<d>\d{1,2})日?(?!\d)"
)
_REL = re.compile(
    r"(?P<n>\d+|数|一|二|三|四|五|六|七)\s*(?P<u>日|週間|か月|ヶ月|カ月)前|(?P<w>一昨日|おととい|昨日|昨夜|昨晩|本日|今日|今朝|当日|前日|翌日)"
)
_KANJI = {"数": 3, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_WORDS = {
    "一昨日": -2,
    "おととい": -2,
    "昨日": -1,
    "昨夜": -1,
    "昨晩": -1,
    "本日": 0,
    "今日": 0,
    "今朝": 0,
    "当日": 0,
}
CUES: dict[str, re.Pattern[str]] = {
    "onset": re.compile(r"(発症|発病|出現|より|から|始まり|自覚|症状が|発熱し)"),
    "first_visit": re.compile(r"(初診|受診|来院|外来を受診|紹介受診|救急搬送|搬送され|入院)"),
    "diagnosis": re.compile(r"(診断|確定|判明|結果|陽性|検出|同定)"),
    "infection": re.compile(
        r"(喫食|食べ|摂取|飲食|会食|渡航|帰国|滞在|接触|刺され|咬まれ|性交渉|旅行|キャンプ|山林|農作業)"
    ),
    "death": re.compile(r"(死亡|永眠|死去)"),
}


@dataclass(frozen=True)
class DateMention:
    date: dt.date
    start: int  # original offsets in the note
    end: int
    note: Note
    after: str  # normalised text from the date to the next date or clause end: where its cue word is


def _era_year(era: str, year: str) -> int:
    n = 1 if year == "元" else int(year)
    return (2018 if era in ("令和", "R") else 1988) + n


def _with_windows(found: list[tuple[dt.date, int, int]], text: str) -> list[tuple[dt.date, int, int, str]]:
    found.sort(key=lambda x: x[1])
    out = []
    for i, (value, s, e) in enumerate(found):
        limit = found[i + 1][1] if i + 1 < len(found) else len(text)
        stop = re.search(r"[。]", text[e:limit])
        out.append((value, s, e, text[e : e + stop.start()] if stop else text[e:limit]))
    return out


def dates_in(note: Note) -> list[DateMention]:
    out: list[DateMention] = []
    ref = note.date
    for s in note.sentences:
        snt = normalize(s.text)
        text = snt.text
        found: list[tuple[dt.date, int, int]] = []
        for m in _ABS.finditer(text):
            try:
                month, day = int(m["m"]), int(m["d"])
                if m["era"]:
                    year = _era_year(m["era"], m["ey"])
                elif m["y"]:
                    year = int(m["y"])
                elif ref is not None:
                    year = ref.year if (month, day) <= (ref.month, ref.day) else ref.year - 1
                else:
                    continue
                value = dt.date(year, month, day)
            except ValueError:
                continue
            found.append((value, m.start(), m.end()))
        for m in _REL.finditer(text):
            if ref is None:
                break
            if m["w"]:
                if m["w"] in ("前日", "翌日"):
                    continue
                value = ref + dt.timedelta(days=_WORDS[m["w"]])
            else:
                n = int(m["n"]) if m["n"].isdigit() else _KANJI[m["n"]]
                days = {"日": 1, "週間": 7}.get(m["u"], 30) * n
                value = ref - dt.timedelta(days=days)
            found.append((value, m.start(), m.end()))
        for value, a, b, after in _with_windows(found, text):
            o_s, o_e = snt.to_original(a, b)
            out.append(DateMention(value, s.start + o_s, s.start + o_e, note, after))
    return out


def date_for(kind: str, notes: list[Note]) -> DateMention | None:
    """The first date written in a sentence with the cue words of ``kind`` (onset, first_visit …)."""
    cue = CUES[kind]
    for note in notes:
        for d in dates_in(note):
            if cue.search(d.after):
                return d
    return None
