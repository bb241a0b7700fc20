"""Age and sex on the screening date: from the patient record, else from what a note states."""

from __future__ import annotations

from karte.screening.matchers.base import NOTE, NOTE_UNDATED, RECORD, UNDECIDED, MatchContext, outcome
from karte.screening.models import AgeCheck, CheckOutcome, EvidenceItem, SexCheck, Status

SEX_JA = {"male": "男性", "female": "女性"}


def _age_range(ctx: MatchContext) -> tuple[int, int, float, str, list[EvidenceItem]] | None:
    """(lowest, highest possible age on the screening date, confidence, how, evidence)."""
    ev = ctx.evidence
    if ev.birth_date is not None:
        b, d = ev.birth_date, ctx.screening_date
        age = d.year - b.year - ((d.month, d.day) < (b.month, b.day))
        item = EvidenceItem(
            text=f"生年月日 {b} (birth date)", kind="patient", record=f"Patient/{ev.patient_id}"
        )
        return age, age, RECORD, f"生年月日から {age} 歳", [item]
    dated = [s for s in ev.stated if s.date is not None]
    if dated:
        s = max(dated, key=lambda x: x.date or ctx.screening_date)
        assert s.date is not None
        years = max(0, (ctx.screening_date - s.date).days) / 365.2425
        lo, hi = s.age + int(years), s.age + int(years) + 1
        if years < 1 / 365:
            hi = lo
        return lo, hi, NOTE, f"{s.date} の記載で {s.age} 歳 → {lo}〜{hi} 歳", [s.evidence]
    if ev.stored_age is not None:
        item = EvidenceItem(
            text=f"年齢 {ev.stored_age} (age)", kind="patient", record=f"Patient/{ev.patient_id}"
        )
        return ev.stored_age, ev.stored_age, NOTE_UNDATED, f"登録年齢 {ev.stored_age} 歳", [item]
    if ev.stated:
        s = ev.stated[0]
        return s.age, s.age, NOTE_UNDATED, f"記載の年齢 {s.age} 歳 (日付なし)", [s.evidence]
    return None


def match_age(check: AgeCheck, ctx: MatchContext) -> CheckOutcome:
    found = _age_range(ctx)
    bounds = f"{check.min if check.min is not None else ''}〜{check.max if check.max is not None else ''} 歳"
    if found is None:
        return outcome("unknown", UNDECIDED, f"年齢が不明 (age unknown); 基準 {bounds}")
    lo, hi, score, how, evidence = found

    def inside(age: int) -> bool:
        return (check.min is None or age >= check.min) and (check.max is None or age <= check.max)

    if inside(lo) and inside(hi):
        return outcome("met", score, f"{how}: 基準 {bounds} を満たす (age within range)", evidence)
    if not inside(lo) and not inside(hi):
        return outcome("not_met", score, f"{how}: 基準 {bounds} を満たさない (age outside range)", evidence)
    return outcome(
        "unknown", UNDECIDED, f"{how}: 基準 {bounds} の境界で判定不能 (age at the boundary)", evidence
    )


def match_sex(check: SexCheck, ctx: MatchContext) -> CheckOutcome:
    ev = ctx.evidence
    wanted = SEX_JA[check.sex]
    if ev.sex in ("male", "female"):
        item = EvidenceItem(
            text=f"性別 {SEX_JA[ev.sex]} (sex)", kind="patient", record=f"Patient/{ev.patient_id}"
        )
        status: Status = "met" if ev.sex == check.sex else "not_met"
        return outcome(status, RECORD, f"記録の性別 {SEX_JA[ev.sex]}; 基準 {wanted}", [item])
    stated = [s for s in ev.stated if s.sex in ("male", "female")]
    if stated:
        s = stated[-1]
        stated_status: Status = "met" if s.sex == check.sex else "not_met"
        return outcome(
            stated_status, NOTE, f"記載の性別 {SEX_JA[s.sex or 'male']}; 基準 {wanted}", [s.evidence]
        )
    return outcome("unknown", UNDECIDED, f"性別が不明 (sex unknown); 基準 {wanted}")
