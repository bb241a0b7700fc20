"""The extractive filler: each section built from the facts' own words, no language model.

One rule per ``fill`` name of the section plans. Rules copy source sentences and list lines verbatim
or join them under fixed labels (``主病名: ``); nothing is paraphrased, so every word of a sentence
is in its citations except the labels and the dates written from the facts' dates (whose source
spans are cited too). Runs in milliseconds per patient.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from karte.drafting.compose import ja_date, joined, placeholder, section_of, verbatim
from karte.drafting.facts import FactSet
from karte.drafting.models import DraftSection, DraftSentence, Fact
from karte.drafting.plans import SectionPlan

_PURPOSE_WORDS = ("紹介", "転院", "フォロー", "継続加療", "通院")
_ADVICE_WORDS = (
    "注意",
    "測定",
    "制限",
    "受診",
    "継続",
    "予定",
    "禁煙",
    "リハビリ",
    "食事",
    "運動",
    "体重",
    "指導した",
)
_NOT_FOR_PATIENTS = ("依頼", "提出", "評価する", "検討")
_STARTED_WORDS = ("開始", "追加", "変更", "導入")
LABS_PER_LINE = 8


@dataclass
class FillContext:
    """What the fill rules need besides the facts."""

    facts: FactSet
    admission_note: str | None
    last_inpatient_note: str | None
    note_order: list[str]  # note ids in time order
    warnings: list[str] = field(default_factory=list)

    def from_note(self, fact: Fact, note_id: str | None) -> bool:
        return note_id is not None and fact.citations[0].document == note_id

    def chart(self, fact: Fact) -> bool:
        return fact.document_type is None


Rule = Callable[[FillContext, SectionPlan], list[DraftSentence]]


def fill_extractive(ctx: FillContext, plan: SectionPlan) -> DraftSection:
    return section_of(plan, RULES[plan.fill](ctx, plan))


def _period(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    out = []
    for kind, label in (("admission_date", "入院日: "), ("discharge_date", "退院日: ")):
        fact = next(iter(ctx.facts.of(kind)), None)  # type: ignore[arg-type]
        if fact is not None and fact.date is not None:
            out.append(joined([(label, None), (ja_date(fact.date), fact)], dates=[fact]))
        else:
            out.append(placeholder(f"{label}記載なし（要記入）"))
    return out if any(not s.placeholder for s in out) else []


def _chief(ctx: FillContext) -> list[DraftSentence]:
    return [verbatim(f, prefix="主訴: ") for f in ctx.facts.of("chief_complaint")[:1]]


def _reason(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    reasons = ctx.facts.of("reason_for_admission") or ctx.facts.of("present_illness")[:2]
    return [*_chief(ctx), *(verbatim(f) for f in reasons)]


def _diagnoses(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    out = []
    for fact in ctx.facts.of("diagnosis", "comorbidity"):
        label = "主病名: " if fact.kind == "diagnosis" else "副病名: "
        code = next((c for c in fact.codes if c.system == "icd10"), None)
        suffix = f"（ICD-10 {code.code}）" if code is not None else ""
        out.append(joined([(label, None), (fact.name or fact.text, fact), (suffix, None)]))
    return out


def _admission_findings(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    findings = [verbatim(f) for f in ctx.facts.of("admission_finding")]
    labs = _lab_lines(ctx, first_only=True, prefix="入院時検査")
    return [*findings[: max(1, plan.max - len(labs))], *labs]


def _lab_lines(ctx: FillContext, *, first_only: bool, prefix: str) -> list[DraftSentence]:
    """Structured results grouped by day (abnormal ones, else all of the first day); else note lines."""
    chart = [f for f in ctx.facts.of("lab") if ctx.chart(f) and f.date is not None]
    if not chart:
        notes = [f for f in ctx.facts.of("lab") if not ctx.chart(f)]
        if first_only:
            notes = [f for f in notes if ctx.from_note(f, ctx.admission_note)]
        return [verbatim(f, dated=not first_only) for f in notes]
    days = sorted({f.date for f in chart if f.date is not None})
    out = []
    for day in days[:1] if first_only else days:
        items = [f for f in chart if f.date == day]
        shown = [f for f in items if f.abnormal] or (items if day == days[0] else [])
        if not shown:
            continue
        parts: list[tuple[str, Fact | None]] = [
            (f"{prefix}（", None),
            (ja_date(day), shown[0]),
            ("）: ", None),
        ]
        for i, f in enumerate(shown[:LABS_PER_LINE]):
            parts.append(("、" if i else "", None))
            parts.append((f"{f.name} {f.value}", f))
        label = "（基準範囲外）" if any(f.abnormal for f in shown) else ""
        out.append(joined([*parts, (label, None)], dates=shown[:1]))
    return out


def _course(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    inpatient = set(_inpatient_notes(ctx))
    course = [f for f in ctx.facts.of("course") if f.citations[0].document in inpatient]
    events = _medication_events(ctx)
    budget = max(plan.max - len(events), plan.max // 2)
    picked = _spread(course, budget)
    dated = sorted([*((f, False) for f in picked), *events], key=lambda x: x[0].date or dt.date.max)
    out = []
    for fact, is_event in dated:
        if is_event and fact.date is not None:
            out.append(
                joined(
                    [
                        (ja_date(fact.date, year=False), fact),
                        (": ", None),
                        (fact.text, fact),
                        ("（開始）", None),
                    ],
                    dates=[fact],
                )
            )
        else:
            out.append(verbatim(fact, dated=True, year=False))
    return out


def _medication_events(ctx: FillContext) -> list[tuple[Fact, bool]]:
    """Drugs started in hospital (chart prescriptions whose start is on or after admission)."""
    admission = next(iter(ctx.facts.of("admission_date")), None)
    start = admission.date if admission is not None else None
    meds = [
        f
        for f in ctx.facts.of("medication_inpatient", "medication_current")
        if ctx.chart(f) and f.date is not None and start is not None and f.date >= start
    ]
    return [(f, True) for f in meds[:4]]


def _spread(facts: list[Fact], budget: int) -> list[Fact]:
    """At most ``budget`` facts, taken evenly across the notes (so every day of the stay is seen)."""
    if len(facts) <= budget:
        return facts
    by_note: dict[str, list[Fact]] = {}
    for f in facts:
        by_note.setdefault(f.citations[0].document, []).append(f)
    picked: list[Fact] = []
    while len(picked) < budget:
        progressed = False
        for group in by_note.values():
            if group and len(picked) < budget:
                picked.append(group.pop(0))
                progressed = True
        if not progressed:
            break
    return sorted(picked, key=lambda f: (f.date or dt.date.max, f.citations[0].start))


def _inpatient_notes(ctx: FillContext) -> list[str]:
    order = ctx.note_order
    last = ctx.last_inpatient_note
    return order[: order.index(last) + 1] if last in order else list(order)


def _latest_note_with(ctx: FillContext, *kinds: str) -> str | None:
    """The latest note of the stay (after the admission note if possible) stating facts of ``kinds``."""
    notes = _inpatient_notes(ctx)
    later = [n for n in notes if n != ctx.admission_note] or notes
    have = {f.citations[0].document for f in ctx.facts.of(*kinds)}  # type: ignore[arg-type]
    return next((n for n in reversed(later) if n in have), None)


def _latest_status(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    note = _latest_note_with(ctx, "latest_status", "course")
    status = [f for f in ctx.facts.of("latest_status") if ctx.from_note(f, note)]
    status += [f for f in ctx.facts.of("course") if ctx.from_note(f, note)]
    return [verbatim(f, dated=i == 0, year=False) for i, f in enumerate(status)]


def _current_medications(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    current = ctx.facts.of("medication_current")
    chart = [f for f in current if ctx.chart(f)]
    if chart:
        return [verbatim(f) for f in chart]
    if current:
        latest = current[-1].citations[0].document
        return [verbatim(f) for f in current if f.citations[0].document == latest]
    home = [verbatim(f, prefix="（入院時内服）") for f in ctx.facts.of("medication_home")]
    started = [
        verbatim(f, prefix="（経過記録より）")
        for f in ctx.facts.of("course", "plan")
        if any(w in f.text for w in _STARTED_WORDS) and _names_drug(ctx, f)
    ]
    if home or started:
        ctx.warnings.append(
            f"{plan.title}: 処方の一覧が記録にないため、入院時の内服薬と"
            "経過記録で開始・追加された薬を載せました。要確認 (no prescription list in the sources; "
            "medications on admission and drugs started in the notes shown)"
        )
    return [*home, *started]


def _names_drug(ctx: FillContext, fact: Fact) -> bool:
    from karte.drafting.lexicon import default_lexicon
    from karte.text import normalize

    return any(h.type == "medication" for h in default_lexicon().find(normalize(fact.text).text))


def _plan(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    note = _latest_note_with(ctx, "plan")
    plans = [f for f in ctx.facts.of("plan") if ctx.from_note(f, note)]
    return [verbatim(f) for f in plans]


def _allergies(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    facts = ctx.facts.of("allergy")
    chart = [f for f in facts if ctx.chart(f)]
    chosen = chart or facts[:2]
    return [verbatim(f, prefix="アレルギー: ") for f in chosen]


def _referral_purpose(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    stated = ctx.facts.of("referral_purpose")
    if stated:
        return [verbatim(f) for f in stated]
    candidates = [f for f in ctx.facts.of("plan") if any(w in f.text for w in _PURPOSE_WORDS)]
    return [verbatim(f) for f in candidates[-2:]]


def _history(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    past = [verbatim(f, prefix="既往歴: ") for f in ctx.facts.of("past_history")]
    family = [verbatim(f, prefix="家族歴: ") for f in ctx.facts.of("family_history")]
    return [*past[: max(1, plan.max - len(family))], *family]


def _symptoms(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    return [*_chief(ctx), *(verbatim(f) for f in ctx.facts.of("present_illness"))]


def _results(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    return _lab_lines(ctx, first_only=False, prefix="検査")


def _remarks(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    return [*_allergies(ctx, plan), *_plan(ctx, plan)[:2]]


def _advice_conditions(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    overview = {f.name: f for f in ctx.facts.of("kb_overview")}
    out = []
    for dx in ctx.facts.of("diagnosis", "comorbidity"):
        kb = overview.get(dx.name)
        parts: list[tuple[str, Fact | None]] = [(dx.name or dx.text, dx)]
        if kb is not None:
            parts += [("：", None), (kb.text, kb)]
        out.append(joined(parts))
    return out


def _advice_plan(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    plans = [
        f
        for f in ctx.facts.of("plan")
        if any(w in f.text for w in _ADVICE_WORDS) and not any(w in f.text for w in _NOT_FOR_PATIENTS)
    ]
    return [verbatim(f) for f in plans[-plan.max :]]


def _advice_medicines(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    return _current_medications(ctx, plan)


def _kb_bullets(ctx: FillContext, kind: str, plan: SectionPlan, main_share: int) -> list[DraftSentence]:
    facts = ctx.facts.of(kind)  # type: ignore[arg-type]
    if not facts:
        return []
    main_rank = min(f.rank for f in facts)
    main = [f for f in facts if f.rank == main_rank][:main_share]
    rest: dict[str, list[Fact]] = {}
    for f in facts:
        if f.rank != main_rank:
            rest.setdefault(f.name or "", []).append(f)
    out = [*main]
    for group in rest.values():
        out.extend(group[:2])
    return [verbatim(f) for f in out]


def _advice_daily_life(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    return _kb_bullets(ctx, "kb_daily_life", plan, 4)


def _advice_urgent(ctx: FillContext, plan: SectionPlan) -> list[DraftSentence]:
    return _kb_bullets(ctx, "kb_urgent", plan, 4)


RULES: dict[str, Rule] = {
    "period": _period,
    "reason": _reason,
    "diagnoses": _diagnoses,
    "admission_findings": _admission_findings,
    "course": _course,
    "latest_status": _latest_status,
    "current_medications": _current_medications,
    "plan": _plan,
    "allergies": _allergies,
    "referral_purpose": _referral_purpose,
    "history": _history,
    "symptoms": _symptoms,
    "results": _results,
    "remarks": _remarks,
    "advice_conditions": _advice_conditions,
    "advice_plan": _advice_plan,
    "advice_medicines": _advice_medicines,
    "advice_daily_life": _advice_daily_life,
    "advice_urgent": _advice_urgent,
}
