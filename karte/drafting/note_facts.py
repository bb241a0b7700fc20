"""Facts read from one chart note, section by section (主訴, 現病歴, 既往歴, 内服薬, SOAP …).

Each fact is a sentence or a list line of the note, its span given in the note's ORIGINAL offsets
(list markers such as ``1)``, ``・`` and ``#1`` are left outside the span). The note's role decides
what a section means: the physical examination of the admission note is the 入院時現症, that of a
later note is the latest status.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from karte.drafting.lexicon import Lexicon
from karte.drafting.models import Citation, Fact, FactKind
from karte.drafting.values import find_dates
from karte.records.models import Document
from karte.text import analyze, normalize

NoteRole = str  # admission | progress | outpatient | summary | report
_MARKER = re.compile(r"[\s・･\-−*＊●○■□◆◇]*(?:[(（]?\d{1,2}[)）.．、]\s*)?")
_PROBLEM = re.compile(r"\s*[#＃]\s*(\d{1,2})\s*[.:：)）]?\s*(.+?)\s*$")
_LAB_DATE = re.compile(r"採血日時?\s*[:：]?\s*")
_ADMISSION_WORDS = ("入院", "目的")
_STATEMENT_WORDS = ("を", "は", "が", "する", "考え", "疑", "可能性", "、")
MAX_PROBLEM_NAME = 30
_ONGOING_WORDS = ("加療中", "治療中", "通院中", "内服中", "フォロー中")
_NONE_WORDS = ("なし", "特記事項なし", "特になし", "無し")
# section name → fact kind, by role of the note
_ADMISSION_KINDS: dict[str, FactKind] = {
    "chief_complaint": "chief_complaint",
    "present_illness": "present_illness",
    "reason_for_admission": "reason_for_admission",
    "past_history": "past_history",
    "family_history": "family_history",
    "medications": "medication_home",
    "allergies": "allergy",
    "physical_exam": "admission_finding",
    "vital_signs": "admission_finding",
    "imaging": "admission_finding",
    "lab_results": "lab",
    "assessment_plan": "course",
    "assessment": "course",
    "plan": "course",
    "hospital_course": "course",
    "discharge_medications": "medication_current",
    "diagnosis": "diagnosis",
    "secondary_diagnosis": "comorbidity",
    "social_history": "past_history",
    "referral_purpose": "referral_purpose",
    "remarks": "plan",
}
_LATER_KINDS: dict[str, FactKind] = {
    **_ADMISSION_KINDS,
    "physical_exam": "latest_status",
    "vital_signs": "latest_status",
    "subjective": "latest_status",
    "objective": "latest_status",
    "assessment": "course",
    "plan": "plan",
    "assessment_plan": "plan",
    "hospital_course": "course",
    "medications": "medication_current",
    "chief_complaint": "latest_status",
    "present_illness": "course",
}
LIST_SECTIONS = {"past_history", "medications", "discharge_medications", "secondary_diagnosis", "diagnosis"}


@dataclass
class NoteContext:
    document: Document
    role: NoteRole
    date: dt.date | None
    date_citation: Citation | None


def _strip_marker(text: str, start: int, end: int) -> tuple[int, int]:
    m = _MARKER.match(text, start, end)
    s = m.end() if m else start
    while end > s and text[end - 1] in " \t\u3000":
        end -= 1
    return s, end


def _is_none(text: str) -> bool:
    t = normalize(text).text.strip(" 。.")
    return t in _NONE_WORDS or t.endswith("ともになし")


def note_facts(ctx: NoteContext, lexicon: Lexicon) -> list[Fact]:
    """Every fact of one note (ids are assigned later by the fact set)."""
    doc = ctx.document
    text = doc.text
    kinds = _ADMISSION_KINDS if ctx.role == "admission" else _LATER_KINDS
    analysed = analyze(text, tokens=False)
    body_starts = {(s.start, s.name): s.body_start for s in analysed.sections}
    lab_date, lab_cite = _lab_date(text, doc.id)
    facts: list[Fact] = []
    for sentence in analysed.sentences:
        section = next(
            (s for s in analysed.sections if s.start <= sentence.start < max(s.end, s.start + 1)), None
        )
        if section is None or sentence.end <= body_starts.get((section.start, section.name), 0):
            continue  # a heading line
        name = section.name
        if ctx.role == "summary" and name == "preamble" and "入院期間" in sentence.text:
            facts.extend(_period_facts(ctx, sentence.start, sentence.end))
            continue
        kind = kinds.get(name)
        if kind is None:
            continue
        start, end = _strip_marker(text, sentence.start, sentence.end)
        if start >= end:
            continue
        if name == "lab_results" and _LAB_DATE.match(text, start):
            continue  # the 採血日時 line itself: used as the lab date
        problem = _PROBLEM.match(text, start, end)
        if problem is not None and _is_problem_name(problem.group(2), lexicon):
            facts.append(_problem_fact(ctx, problem, lexicon))
            continue
        if problem is not None:
            start = problem.start(2)
        if (
            ctx.role == "admission"
            and name == "present_illness"
            and any(w in text[start:end] for w in _ADMISSION_WORDS)
        ):
            facts.append(_fact(ctx, "reason_for_admission", start, end))
        if name == "secondary_diagnosis":
            facts.extend(_split_names(ctx, "comorbidity", start, end, lexicon))
            continue
        if name == "diagnosis":
            facts.extend(_split_names(ctx, "diagnosis", start, end, lexicon))
            continue
        fact = _fact(ctx, kind, start, end)
        if kind == "past_history" and any(w in text[start:end] for w in _ONGOING_WORDS):
            ongoing = _ongoing_condition(ctx, start, end, lexicon)
            if ongoing is not None:
                facts.append(ongoing)
        if kind in ("medication_home", "medication_current"):
            drug = _first(lexicon, text[start:end], "medication")
            if drug is None:
                continue
            fact.name = drug
        if kind == "lab" and lab_date is not None:
            fact.date, fact.date_citation = lab_date, lab_cite
        if kind in ("allergy", "family_history") and _is_none(text[start:end]):
            fact.certainty = "negative"
        facts.append(fact)
    return facts


def _fact(ctx: NoteContext, kind: FactKind, start: int, end: int) -> Fact:
    return Fact(
        id="",
        kind=kind,
        text=ctx.document.text[start:end],
        date=ctx.date,
        date_citation=ctx.date_citation,
        citations=[Citation(document=ctx.document.id, start=start, end=end)],
        document_type=ctx.document.type,
    )


def _first(lexicon: Lexicon, text: str, type_: str) -> str | None:
    hit = next((h for h in lexicon.find(normalize(text).text) if h.type == type_), None)
    return hit.canonical if hit else None


def _is_problem_name(text: str, lexicon: Lexicon) -> bool:
    """``#1 脳梗塞`` names a problem; ``#2 感冒を契機とした増悪と考える。`` is a numbered statement."""
    name = _clean_name(text)
    if len(name) > MAX_PROBLEM_NAME or any(w in name for w in _STATEMENT_WORDS):
        return False
    hits = [h for h in lexicon.find(normalize(name).text) if h.type == "disease"]
    return bool(hits) and hits[0].start <= 1


def _ongoing_condition(ctx: NoteContext, start: int, end: int, lexicon: Lexicon) -> Fact | None:
    """``2016年 脂質異常症（内服加療中）``: a past illness still treated is a comorbidity."""
    nt = normalize(ctx.document.text[start:end])
    hit = next((h for h in lexicon.find(nt.text) if h.type == "disease"), None)
    if hit is None:
        return None
    s, e = nt.to_original(hit.start, hit.end)
    fact = _fact(ctx, "comorbidity", start + s, start + e)
    fact.name = fact.text
    fact.certainty = "positive"
    fact.rank = 50  # after the problems listed in the notes
    return fact


def _problem_fact(ctx: NoteContext, m: re.Match[str], lexicon: Lexicon) -> Fact:
    """``#1 脳梗塞``: a problem of the problem list (#1 is the main one)."""
    number = int(m.group(1))
    end = m.end(2)
    while end > m.start(2) and ctx.document.text[end - 1] in "。. \u3000":
        end -= 1
    fact = _fact(ctx, "diagnosis" if number == 1 else "comorbidity", m.start(2), end)
    fact.name = _clean_name(fact.text)
    fact.rank = number
    fact.certainty = "positive"
    return fact


def _split_names(ctx: NoteContext, kind: FactKind, start: int, end: int, lexicon: Lexicon) -> list[Fact]:
    """``高血圧症、脂質異常症`` → one fact per name."""
    text = ctx.document.text
    out: list[Fact] = []
    pos = start
    for part in re.split(r"[、,，]", text[start:end]):
        s = pos + len(part) - len(part.lstrip())
        e = pos + len(part.rstrip())
        pos += len(part) + 1
        if e > s:
            fact = _fact(ctx, kind, s, e)
            fact.name = _clean_name(fact.text)
            fact.certainty = "positive"
            fact.rank = len(out) + 1
            out.append(fact)
    return out


def _clean_name(name: str) -> str:
    return name.strip(" 。.\u3000")


def _lab_date(text: str, document_id: str) -> tuple[dt.date | None, Citation | None]:
    """The date of a lab report's ``採血日時：2025/06/05 06:30`` line, with its span."""
    m = _LAB_DATE.search(text)
    if m is None:
        return None, None
    nt = normalize(text[m.end() : m.end() + 24])
    dates = find_dates(nt.text)
    if not dates or dates[0].start > 1 or dates[0].key[0] is None:
        return None, None
    year, month, day = (int(str(x)) for x in dates[0].key)
    s, e = nt.to_original(dates[0].start, dates[0].end)
    return dt.date(year, month, day), Citation(document=document_id, start=m.end() + s, end=m.end() + e)


def _period_facts(ctx: NoteContext, start: int, end: int) -> list[Fact]:
    """``入院期間：2025年6月1日〜2025年6月15日`` of a discharge summary: admission and discharge dates."""
    text = ctx.document.text
    nt = normalize(text[start:end])
    dates = [d for d in find_dates(nt.text) if d.key[0] is not None]
    out = []
    for kind, found in zip(("admission_date", "discharge_date"), dates[:2], strict=False):
        s, e = nt.to_original(found.start, found.end)
        fact = _fact(ctx, kind, start + s, start + e)  # type: ignore[arg-type]
        year, month, day = (int(str(x)) for x in found.key)
        fact.date = dt.date(year, month, day)
        fact.date_citation = fact.citations[0]
        out.append(fact)
    return out
