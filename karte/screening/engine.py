"""Screen one patient against one compiled trial: structured checks first, the LLM only if it can matter.

1. Every criterion's checks are matched on the patient evidence index; a criterion's status combines
   its checks (``all``/``any``, then ``negated``).
2. Prefilter: a patient whom a rule-based result already makes ineligible (an inclusion criterion not
   met, an exclusion criterion met) is not sent to the LLM.
3. Otherwise criteria still unknown because of a free-text check are judged by the LLM matcher, in at
   most ``max_calls`` calls for the patient.
4. Eligible when every inclusion criterion is met and no exclusion criterion is; ineligible when a
   rule-based result says so; unknown otherwise. An LLM judgement never makes a patient ineligible by
   itself: the patient stays on the list, ranked lower, for the coordinator to decide.

The score (for ranking) is the geometric mean over criteria of the chance each is favourable: a
favourable status with confidence c counts (1 + c) / 2, unknown 1/2, unfavourable (1 − c) / 2.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Literal

from karte.errors import InputError
from karte.screening.evidence import PatientEvidence
from karte.screening.llm_matcher import LLMJudge, Pending
from karte.screening.matchers import MatchContext, match_check
from karte.screening.models import (
    CheckOutcome,
    CompiledCriterion,
    CriterionResult,
    Eligibility,
    EvidenceItem,
    ScreenResult,
    Status,
    TextCheck,
    Trial,
    TrialCriterion,
)

_FLIP: dict[Status, Status] = {"met": "not_met", "not_met": "met", "unknown": "unknown"}


def _combine(outcomes: Sequence[CheckOutcome], how: str) -> tuple[Status, float]:
    statuses = [o.status for o in outcomes]
    decisive: Status = "not_met" if how == "all" else "met"
    other: Status = "met" if decisive == "not_met" else "not_met"
    if decisive in statuses:
        return decisive, max(o.score for o in outcomes if o.status == decisive)
    if all(s == other for s in statuses):
        return other, min(o.score for o in outcomes)
    return "unknown", 0.5


def combine(
    outcomes: Sequence[CheckOutcome], compiled: CompiledCriterion, required: Sequence[CheckOutcome] = ()
) -> tuple[Status, float, Literal["rule", "llm"]]:
    """The criterion's status and confidence: its checks combined (then negated), and its qualifiers."""
    status, score = _combine(outcomes, compiled.combine)
    source: Literal["rule", "llm"] = (
        "llm" if any(o.source == "llm" and o.status == status for o in outcomes) else "rule"
    )
    if compiled.negated:
        status = _FLIP[status]
    if required:
        main = CheckOutcome(status=status, score=score, rationale="", source=source)
        status, score = _combine([main, *required], "all")
        if status == "not_met" and any(o.status == "not_met" for o in required):
            source = "rule"
    return status, score, source


def _result(c: TrialCriterion, outcomes: list[CheckOutcome], required: list[CheckOutcome]) -> CriterionResult:
    compiled = c.compiled
    assert compiled is not None
    status, score, combined_source = combine(outcomes, compiled, required)
    source: Literal["rule", "llm", "none"] = combined_source
    joiner = " かつ " if compiled.combine == "all" else " または "
    rationale = joiner.join(o.rationale for o in outcomes)
    if compiled.negated:
        rationale = f"否定形の基準（条件がないこと）: {rationale}"
    if required:
        rationale = f"{'; '.join(o.rationale for o in required)}; [{rationale}]"
    evidence: list[EvidenceItem] = [e for o in [*required, *outcomes] for e in o.evidence]
    if status == "unknown" and all(o.source == "none" for o in outcomes if o.status == "unknown"):
        source = "none"
    return CriterionResult(
        id=c.id,
        type=c.type,
        text=c.text,
        status=status,
        score=round(score, 3),
        evidence=evidence,
        rationale=rationale,
        source=source,
    )


def _favourable(r: CriterionResult) -> bool | None:
    if r.status == "unknown":
        return None
    return (r.status == "met") == (r.type == "inclusion")


def eligibility(results: Sequence[CriterionResult]) -> tuple[Eligibility, float]:
    logs = []
    rule_fail = llm_fail = False
    all_ok = True
    for r in results:
        fav = _favourable(r)
        if fav is None:
            all_ok = False
            logs.append(math.log(0.5))
        elif fav:
            logs.append(math.log((1 + r.score) / 2))
        else:
            all_ok = False
            logs.append(math.log(max(1e-6, (1 - r.score) / 2)))
            if r.source == "llm":
                llm_fail = True
            else:
                rule_fail = True
    score = math.exp(sum(logs) / len(logs)) if logs else 0.0
    if rule_fail:
        return "ineligible", round(score, 4)
    if all_ok and not llm_fail:
        return "eligible", round(score, 4)
    return "unknown", round(score, 4)


def screen_patient(
    trial: Trial,
    evidence: PatientEvidence,
    screening_date: dt.date,
    judge: LLMJudge | None = None,
    *,
    llm_only_if_decisive: bool = True,
) -> ScreenResult:
    """Judge every criterion of the compiled ``trial`` for one patient.

    With ``llm_only_if_decisive`` (the default) the LLM is asked only when its answers can change the
    patient's eligibility: every other criterion is already favourable. Otherwise (another criterion
    unknown) the patient stays "unknown" whatever the model says, so no call is spent.
    """
    if not trial.is_compiled():
        raise InputError("試験がコンパイルされていません (compile the trial first)", field="trial")
    ctx = MatchContext(evidence, screening_date)
    per_criterion: dict[str, list[CheckOutcome]] = {}
    required: dict[str, list[CheckOutcome]] = {}
    results: list[CriterionResult] = []
    for c in trial.criteria:
        assert c.compiled is not None
        outcomes = [match_check(check, ctx) for check in c.compiled.checks]
        per_criterion[c.id] = outcomes
        required[c.id] = [match_check(check, ctx) for check in c.compiled.require]
        results.append(_result(c, outcomes, required[c.id]))
    notes: list[str] = []
    calls = 0
    asked = False
    status, _ = eligibility(results)
    pending = [
        Pending(c.id, c.type, " ".join(ch.question for ch in c.compiled.checks if isinstance(ch, TextCheck)))
        for c, r in zip(trial.criteria, results, strict=True)
        if c.compiled is not None
        and r.status == "unknown"
        and any(isinstance(ch, TextCheck) for ch in c.compiled.checks)
    ]
    waiting = {p.criterion_id for p in pending}
    others_favourable = all(_favourable(r) for r in results if r.id not in waiting)
    if pending and status != "ineligible" and llm_only_if_decisive and not others_favourable:
        notes.append(
            "他の基準が未確定のため自由記述の基準は LLM に問わず未判定 "
            "(other criteria are unknown: the LLM was not asked)"
        )
    elif pending and status != "ineligible":
        asked = True
        if judge is None:
            notes.append(
                "LLM が設定されていないため自由記述の基準は未判定 (no LLM; free-text criteria left unknown)"
            )
        else:
            judged = judge.judge(pending, evidence)
            calls, notes = judged.calls, notes + judged.notes
            for i, c in enumerate(trial.criteria):
                if c.id in judged.outcomes and c.compiled is not None:
                    outcomes = [
                        judged.outcomes[c.id] if isinstance(ch, TextCheck) else o
                        for ch, o in zip(c.compiled.checks, per_criterion[c.id], strict=True)
                    ]
                    results[i] = _result(c, outcomes, required[c.id])
    status, score = eligibility(results)
    return ScreenResult(
        patient_id=evidence.patient_id,
        trial_id=trial.id,
        screening_date=screening_date,
        eligible=status,
        score=score,
        criteria=results,
        llm_calls=calls,
        llm_needed=asked,
        notes=notes,
    )
