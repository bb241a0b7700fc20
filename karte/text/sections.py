"""Sectionizer for Japanese chart text.

Headings recognised (on the normalised text; offsets are returned in the ORIGINAL text):

* ``【主病名】`` anywhere in a line (the bracket is used for little else in charts);
* a line starting with ``■ □ ◆ ◇ ● ○ ▼ ▽ ◎`` followed by a short title (``■現病歴``, ``■主訴：発熱``);
* a line starting with ``<…>``, ``《…》``, ``〈…〉`` or ``[…]`` holding a short title (``＜既往歴＞``);
* a line starting with a known heading followed by ``:`` (``主訴：発熱``), or a line that is only a
  known heading (``現病歴``);
* SOAP markers at the start of a line: ``S)``, ``(O)``, ``A:``, ``P>``, ``A/P:``.

Titles map to canonical names through ``resources/ja/section_headings.yaml``; bracketed titles
that are not listed become ``other`` (with the title kept), colon and bare-line headings are only
taken when listed, so ``血圧: 120/80`` is never a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from karte.records.models import PatientRecord, Section
from karte.text.normalize import NormalizedText, normalize
from karte.text.resources import load_yaml

_MAX_TITLE = 30
_BRACKET = re.compile(r"【([^】\n]{1,30})】")
_MARKED = re.compile(r"^[ \t]*[■□◆◇●○▼▽◎][ \t]*([^\s:■□◆◇●○▼▽◎][^\n:]{0,29}?)[ \t]*(?::|$|[ \t])", re.M)
_ANGLE = re.compile(r"^[ \t]*[<《〈\[]([^<>《》〈〉\[\]\n]{1,30})[>》〉\]]", re.M)
_COLON = re.compile(r"^[ \t]*([^\s:][^\n:]{0,19}?)[ \t]*:", re.M)
_BARE = re.compile(r"^[ \t]*([^\s][^\n]{0,19}?)[ \t]*$", re.M)
_SOAP = re.compile(r"^[ \t]*(?:\(([SOAP]|A/P)\)|([SOAP]|A/P)[)>:])[ \t]*", re.M)
_SPACES = re.compile(r"[\s・･/]+")


@dataclass(frozen=True)
class _Heading:
    start: int  # normalised offsets
    end: int
    name: str
    title: str


@lru_cache(maxsize=1)
def _synonyms() -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Key (normalised, spaces and dots removed, lower case) → (canonical name, canonical title)."""
    table: dict[str, tuple[str, str]] = {}
    for entry in load_yaml("ja", "section_headings.yaml")["sections"]:
        for syn in [entry["title"], *entry["synonyms"]]:
            table[_key(str(syn))] = (entry["name"], entry["title"])
    by_length = sorted(table, key=len, reverse=True)
    return table, by_length


def _key(title: str) -> str:
    return _SPACES.sub("", normalize(title).text).lower()


def canonical_section(title: str, *, prefix_ok: bool = True) -> str | None:
    """Canonical name of a heading title, or None if it is not a known heading."""
    table, by_length = _synonyms()
    key = _key(title)
    if not key:
        return None
    if key in table:
        return table[key][0]
    if prefix_ok:
        for syn in by_length:
            if len(syn) > 1 and key.startswith(syn):
                return table[syn][0]
    return None


def _find_headings(text: str) -> list[_Heading]:
    found: dict[int, _Heading] = {}

    def add(start: int, end: int, title: str, *, known_only: bool) -> None:
        if start in found:
            return
        title = title.strip()
        name = canonical_section(title, prefix_ok=not known_only)
        if name is None:
            if known_only:
                return
            name = "other"
        found[start] = _Heading(start, end, name, title)

    for m in _BRACKET.finditer(text):
        add(m.start(), m.end(), m.group(1), known_only=False)
    for m in _MARKED.finditer(text):
        title_end = m.end(1)
        end = title_end + 1 if title_end < len(text) and text[title_end] == ":" else title_end
        add(m.start(), end, m.group(1), known_only=False)
    for m in _ANGLE.finditer(text):
        add(m.start(), m.end(), m.group(1), known_only=False)
    for m in _SOAP.finditer(text):
        add(m.start(), m.end(), m.group(1) or m.group(2), known_only=True)
    for m in _COLON.finditer(text):
        add(m.start(), m.end(), m.group(1), known_only=True)
    for m in _BARE.finditer(text):
        add(m.start(), m.end(), m.group(1), known_only=True)
    # A heading inside another heading's line (e.g. "■主訴：" then "主訴" bare) is dropped.
    ordered = sorted(found.values(), key=lambda h: h.start)
    kept: list[_Heading] = []
    for h in ordered:
        if kept and h.start < kept[-1].end:
            continue
        kept.append(h)
    return kept


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _skip_space(text: str, pos: int, limit: int) -> int:
    while pos < limit and text[pos].isspace():
        pos += 1
    return pos


def sectionize(text: str | NormalizedText) -> list[Section]:
    """Split a note into sections; offsets refer to the original text."""
    nt = text if isinstance(text, NormalizedText) else normalize(text)
    norm = nt.text
    headings = _find_headings(norm)
    sections: list[Section] = []

    def emit(name: str, title: str, start: int, body_start: int, limit: int) -> None:
        body_start = _skip_space(norm, body_start, limit)
        end = _trim_end(norm, start, limit)
        body_end = max(body_start, end)
        end = max(end, body_start)
        o_start = nt.to_original_start(start)
        o_body_start = nt.to_original_start(body_start) if body_start < len(norm) else len(nt.original)
        o_end = nt.to_original_end(end) if end > start else o_start
        o_body_end = nt.to_original_end(body_end) if body_end > body_start else o_body_start
        sections.append(
            Section(
                name=name,
                title=title,
                start=o_start,
                end=max(o_end, o_body_end),
                body_start=o_body_start,
                body_end=o_body_end,
            )
        )

    first = headings[0].start if headings else len(norm)
    if norm[:first].strip():
        lead = len(norm[:first]) - len(norm[:first].lstrip())
        emit("preamble", "", lead, lead, first)
    for i, h in enumerate(headings):
        limit = headings[i + 1].start if i + 1 < len(headings) else len(norm)
        emit(h.name, h.title, h.start, h.end, limit)
    return sections


def section_at(sections: list[Section], offset: int) -> Section | None:
    """The section containing the original offset, if any."""
    for s in sections:
        if s.start <= offset < s.end or (s.start == s.end == offset):
            return s
    return None


def fill_sections(record: PatientRecord) -> PatientRecord:
    """Give every document of ``record`` that has no sections the sections found by :func:`sectionize`."""
    for doc in record.documents:
        if not doc.sections:
            doc.sections = [s for s in sectionize(doc.text) if s.name != "preamble"]
    return record
