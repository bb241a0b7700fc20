"""Dev-set evaluation: criterion accuracy, recall of eligible patients, list size, LLM calls.

* criterion accuracy — predicted status equals the gold label (gold ``unknown``: the ground truth
  cannot decide, e.g. no lab result in the window; then ``unknown`` is the right answer);
* recall — gold-eligible patients that are on the list (predicted eligible or unknown);
* list size — patients on the list as a share of the cohort;
* LLM calls per patient per trial — calls made (cached answers included) ÷ (patients × trials).

Modes: ``record`` screens each patient's full record (coded conditions, medications, labs and notes);
``notes`` screens the notes only (as a hospital without structured feeds would), against the same
gold labels.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from karte.records.models import PatientRecord
from karte.screening.evidence import evidence_of_record
from karte.screening.models import Eligibility, ScreenResult
from karte.screening.service import Screener

Mode = Literal["record", "notes"]


@dataclass
class TrialScore:
    trial_id: str
    patients: int = 0
    criteria_total: int = 0
    criteria_correct: int = 0
    decided_total: int = 0  # gold label met/not_met
    decided_correct: int = 0
    gold_eligible: int = 0
    found_eligible: int = 0  # gold eligible and on the list
    listed: int = 0
    predicted: Counter[str] = field(default_factory=Counter)
    llm_calls: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.criteria_correct / self.criteria_total if self.criteria_total else 0.0

    @property
    def recall(self) -> float:
        return self.found_eligible / self.gold_eligible if self.gold_eligible else 1.0

    @property
    def list_share(self) -> float:
        return self.listed / self.patients if self.patients else 0.0


@dataclass
class EvalReport:
    mode: Mode
    trials: list[TrialScore]
    seconds: float

    def total(self) -> TrialScore:
        t = TrialScore("all")
        for s in self.trials:
            for name in (
                "patients",
                "criteria_total",
                "criteria_correct",
                "decided_total",
                "decided_correct",
                "gold_eligible",
                "found_eligible",
                "listed",
                "llm_calls",
            ):
                setattr(t, name, getattr(t, name) + getattr(s, name))
            t.predicted.update(s.predicted)
            t.errors += s.errors
        return t

    def llm_calls_per_patient_trial(self) -> float:
        t = self.total()
        return t.llm_calls / t.patients if t.patients else 0.0


def gold_eligibility(labels: Mapping[str, str], types: Mapping[str, str]) -> Eligibility:
    unfavourable = favourable_all = False
    favourable_all = True
    for cid, label in labels.items():
        if label == "unknown":
            favourable_all = False
        elif (label == "met") != (types[cid] == "inclusion"):
            unfavourable = True
    if unfavourable:
        return "ineligible"
    return "eligible" if favourable_all else "unknown"


def notes_only(record: PatientRecord) -> PatientRecord:
    return PatientRecord(id=record.id, documents=record.documents)


def evaluate(
    screeners: list[Screener],
    records: Iterable[PatientRecord],
    gold: dict[str, dict[str, dict[str, str]]],
    mode: Mode = "record",
    max_errors: int = 400,
) -> EvalReport:
    scores = {s.trial.id: TrialScore(s.trial.id) for s in screeners}
    started = time.perf_counter()
    for record in records:
        source = notes_only(record) if mode == "notes" else record
        evidence = evidence_of_record(source, screeners[0].options.attributes if screeners else "rules")
        for screener in screeners:
            labels = gold[screener.trial.id].get(record.id)
            if labels is None:
                continue
            result = screener.screen(evidence)
            _score(scores[screener.trial.id], result, labels, max_errors)
    return EvalReport(mode, list(scores.values()), time.perf_counter() - started)


def _score(score: TrialScore, result: ScreenResult, labels: dict[str, str], max_errors: int) -> None:
    types = {c.id: c.type for c in result.criteria}
    score.patients += 1
    score.llm_calls += result.llm_calls
    score.predicted[result.eligible] += 1
    on_list = result.eligible != "ineligible"
    score.listed += on_list
    if gold_eligibility(labels, types) == "eligible":
        score.gold_eligible += 1
        score.found_eligible += on_list
        if not on_list and len(score.errors) < max_errors:
            why = "; ".join(f"{c.id}={c.status}" for c in result.criteria if c.status != labels.get(c.id))
            score.errors.append(f"{result.patient_id}: 適格なのに除外 (missed eligible): {why}")
    for c in result.criteria:
        gold = labels.get(c.id)
        if gold is None:
            continue
        score.criteria_total += 1
        score.criteria_correct += c.status == gold
        if gold != "unknown":
            score.decided_total += 1
            score.decided_correct += c.status == gold
        if c.status != gold and len(score.errors) < max_errors:
            score.errors.append(
                f"{result.patient_id} {c.id}: gold {gold}, predicted {c.status} — {c.rationale[:160]}"
            )


def format_report(report: EvalReport) -> str:
    lines = [f"mode={report.mode}  ({report.seconds:.1f} s)"]
    header = f"{'trial':<12} {'patients':>8} {'crit.acc':>9} {'decided':>8} " + (
        f"{'recall':>7} {'list%':>6} {'llm/pt':>7}"
    )
    lines.append(header)
    for s in [*report.trials, report.total()]:
        decided = s.decided_correct / s.decided_total if s.decided_total else 0.0
        llm = s.llm_calls / s.patients if s.patients else 0.0
        lines.append(
            f"{s.trial_id:<12} {s.patients:>8} {s.accuracy:>9.3f} {decided:>8.3f} "
            f"{s.recall:>7.3f} {100 * s.list_share:>5.1f}% {llm:>7.3f}"
            f"   gold eligible {s.gold_eligible}, found {s.found_eligible}; predicted {dict(s.predicted)}"
        )
    return "\n".join(lines)
