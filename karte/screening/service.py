"""The screening service: a compiled trial, options and the LLM, reused for every patient of a run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from karte.config import Settings
from karte.records.models import PatientRecord
from karte.screening.compiler import compile_trial
from karte.screening.engine import screen_patient
from karte.screening.evidence import AttributeMode, PatientEvidence, evidence_of_record, evidence_of_text
from karte.screening.lazy_llm import LazyClient
from karte.screening.llm_matcher import LLMJudge
from karte.screening.models import ScreenResult, Trial


@dataclass
class ScreenOptions:
    use_llm: bool = True
    max_llm_calls_per_patient: int = 1
    attributes: AttributeMode = "rules"
    dense_retrieval: bool = True
    llm_cache: bool = True  # reuse answers to identical prompts (off for benchmarks)
    llm_only_if_decisive: bool = True  # ask the LLM only when its answer can change eligibility


@dataclass
class Screener:
    """Screens patients against one trial; the trial is compiled once (rules, then the LLM)."""

    trial: Trial
    settings: Settings
    options: ScreenOptions = field(default_factory=ScreenOptions)
    judge: LLMJudge | None = None
    llm_problem: str | None = None
    llm_calls: int = 0
    patients: int = 0

    @classmethod
    def open(cls, trial: Trial, settings: Settings, options: ScreenOptions | None = None) -> Screener:
        options = options or ScreenOptions()
        judge, problem = None, None
        if options.use_llm:
            judge, problem = _make_judge(settings, options)
        compiled = compile_trial(trial, judge.client if judge is not None else None)
        return cls(compiled, settings, options, judge, problem)

    def default_date(self, given: dt.date | None = None) -> dt.date:
        return given or self.trial.screening_date or dt.date.today()

    def screen(self, evidence: PatientEvidence, screening_date: dt.date | None = None) -> ScreenResult:
        result = screen_patient(
            self.trial,
            evidence,
            self.default_date(screening_date),
            self.judge,
            llm_only_if_decisive=self.options.llm_only_if_decisive,
        )
        if self.llm_problem and any(c.source == "none" and c.status == "unknown" for c in result.criteria):
            result.notes.append(self.llm_problem)
        self.llm_calls += result.llm_calls
        self.patients += 1
        return result

    def screen_record(self, record: PatientRecord, screening_date: dt.date | None = None) -> ScreenResult:
        return self.screen(evidence_of_record(record, self.options.attributes), screening_date)

    def screen_text(
        self,
        patient_id: str,
        text: str,
        note_date: dt.date | None = None,
        screening_date: dt.date | None = None,
    ) -> ScreenResult:
        return self.screen(
            evidence_of_text(patient_id, text, note_date, self.options.attributes), screening_date
        )


def _make_judge(settings: Settings, options: ScreenOptions) -> tuple[LLMJudge | None, str | None]:
    """A judge whose client is made on first use; ``KARTE_LLM=none`` means no judge at all."""
    if settings.llm == "none":
        return (
            None,
            "LLM は無効です (KARTE_LLM=none): 自由記述の基準は未判定 (free-text criteria stay unknown)",
        )
    client = LazyClient(settings, use_cache=options.llm_cache)
    return (
        LLMJudge(client, max_calls=options.max_llm_calls_per_patient, dense=options.dense_retrieval),
        None,
    )
