"""Sentence splitter for Japanese clinical text.

Sentences end at 。 ． ！ ？ (and ``.`` ``!`` ``?``), at line breaks, and at section boundaries.
A terminator never splits inside brackets （）「」『』【】[] nor inside numbers (``36.8℃``, ``1.5mg``),
after list numbers at the start of a line (``1.``), or after common abbreviations (``Dr.``, ``e.g.``).
Closing brackets and quotes right after a terminator stay with the sentence. Work is done on the
normalised text; offsets are returned in the ORIGINAL text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, Field

from karte.records.models import Section
from karte.text.normalize import NormalizedText, normalize

_EVENTS = re.compile(r"[。!?.\n()「」『』【】\[\]]")
_OPEN = {"(": ")", "「": "」", "『": "』", "【": "】", "[": "]"}
_CLOSE = set(_OPEN.values())
_TRAILING = set(")」』】]\"'")
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "vs", "e.g", "i.e", "etc", "fig", "no", "st", "prof", "approx"}
_LIST_NUMBER = re.compile(r"(?:^|\n)[ \t]*\d{1,3}$")


class Sentence(BaseModel):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    section: str | None = None


def _is_period_terminator(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if prev.isdigit() and nxt.isdigit():
        return False
    if nxt.isascii() and nxt.isalnum():
        return False
    if prev.isdigit() and _LIST_NUMBER.search(text, max(0, i - 8), i):
        return False
    if prev.isascii() and prev.isalpha():
        j = i
        while j > 0 and (text[j - 1].isascii() and (text[j - 1].isalpha() or text[j - 1] == ".")):
            j -= 1
        if text[j:i].lower() in _ABBREVIATIONS:
            return False
    return True


def _split_points(norm: str) -> list[int]:
    """Exclusive end offsets (normalised) where a sentence ends."""
    points: list[int] = []
    depth: list[str] = []
    for m in _EVENTS.finditer(norm):
        ch = m.group()
        i = m.start()
        if ch == "\n":
            depth.clear()
            points.append(i)
        elif ch in _OPEN:
            depth.append(_OPEN[ch])
        elif ch in _CLOSE:
            if depth and depth[-1] == ch:
                depth.pop()
            elif ch in depth:
                while depth and depth.pop() != ch:
                    pass
        elif not depth and (ch != "." or _is_period_terminator(norm, i)):
            end = i + 1
            while end < len(norm) and (norm[end] in _TRAILING or norm[end] in "。!?"):
                end += 1
            points.append(end)
    return points


def split_sentences(text: str | NormalizedText, sections: Iterable[Section] = ()) -> list[Sentence]:
    """Split ``text`` into sentences, never across a section heading or body boundary."""
    nt = text if isinstance(text, NormalizedText) else normalize(text)
    norm = nt.text
    section_list = list(sections)
    # Section boundaries are given in original offsets: sentences are cut there too.
    cuts_original = sorted({b for s in section_list for b in (s.start, s.body_start, s.end)})
    cut_norm = _original_cuts_to_normalised(nt, cuts_original)
    points = sorted(set(_split_points(norm)) | set(cut_norm) | {len(norm)})
    headings = {(s.start, s.body_start) for s in section_list if s.body_start > s.start}
    sentences: list[Sentence] = []
    prev = 0
    sec_index = 0
    for p in points:
        s, e = prev, p
        prev = p
        while s < e and norm[s].isspace():
            s += 1
        while e > s and norm[e - 1].isspace():
            e -= 1
        if s >= e:
            continue
        o_s, o_e = nt.to_original(s, e)
        if (o_s, o_e) in headings or (o_s, _rstrip_end(nt.original, o_s, o_e)) in headings:
            continue
        while sec_index < len(section_list) and section_list[sec_index].end <= o_s:
            sec_index += 1
        section = None
        if sec_index < len(section_list) and section_list[sec_index].start <= o_s:
            section = section_list[sec_index].name
        sentences.append(Sentence(start=o_s, end=o_e, text=nt.original[o_s:o_e], section=section))
    return sentences


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _original_cuts_to_normalised(nt: NormalizedText, cuts: list[int]) -> list[int]:
    if not nt.o_starts:
        return [c for c in cuts if 0 < c < len(nt.text)]
    out = []
    for c in cuts:
        # Inverse map: find the normalised offset whose original start is c (units never straddle cuts
        # produced by the sectionizer, which only cuts at unit boundaries).
        lo, hi = 0, len(nt.text)
        while lo < hi:
            mid = (lo + hi) // 2
            if nt.to_original_start(mid) < c:
                lo = mid + 1
            else:
                hi = mid
        if 0 < lo < len(nt.text):
            out.append(lo)
    return out
