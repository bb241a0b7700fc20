"""What the screening workspace shows: the trials on offer, their compiled criteria, and the ranked
candidates of the stored patients with each criterion's status and its evidence.

Trials are the bundled demo protocol and the trial files (``.yaml``, ``.yml``, ``.json``) in
``$KARTE_HOME/trials``. Screening runs the ``screen`` task's :class:`~karte.screening.Screener`
(compiled once per trial and app) by rules and structured checks only: a page does not wait for the
LLM, so free-text criteria stay ``unknown`` here (the page says which; ``karte screen`` asks the
LLM). It reads the stored patients, at most :data:`MAX_SCREENED` of them per page (more is a job
for ``karte screen --cohort``; the page says so); the results are kept until the coordinator asks
for a new run (or the trial file changes). Evidence offsets are into the ORIGINAL note text;
structured evidence names its record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from karte.config import Settings
from karte.errors import KarteError, NotFoundError
from karte.records.models import Document, PatientRecord
from karte.reviews import Decision
from karte.screening.models import CriterionResult, EvidenceItem, ScreenResult, Trial
from karte.screening.report import ELIGIBILITY_JA, STATUS_JA, describe_compiled, rank
from karte.screening.service import Screener, ScreenOptions
from karte.screening.trial_io import load_trial
from karte.tasks.context import TaskContext
from karte.tasks.screen_task import DEMO_TRIAL
from karte.web.highlight import Highlighted, Mark, highlight

MAX_SCREENED = 300
TRIAL_SUFFIXES = (".yaml", ".yml", ".json")


class TrialChoice(BaseModel):
    id: str
    title: str
    source: str = Field(description="Where the definition comes from: a file name, or 'demo'")


class TrialFiles(BaseModel):
    trials: dict[str, Trial]
    choices: list[TrialChoice]
    problems: list[str] = Field(default_factory=list, description="Files that could not be read")


def trial_dir(settings: Settings) -> Path:
    return settings.home / "trials"


def available_trials(settings: Settings) -> TrialFiles:
    """The demo trial and every readable trial file of ``$KARTE_HOME/trials`` (problems listed)."""
    trials: dict[str, Trial] = {}
    choices: list[TrialChoice] = []
    problems: list[str] = []
    folder = trial_dir(settings)
    files = (
        sorted(p for p in folder.iterdir() if p.suffix.lower() in TRIAL_SUFFIXES) if folder.is_dir() else []
    )
    for path, source in [(DEMO_TRIAL, "demo"), *((p, p.name) for p in files)]:
        try:
            trial = load_trial(path)
        except KarteError as exc:
            problems.append(f"{path.name}: {exc.message}")
            continue
        if trial.id in trials:
            problems.append(
                f"{path.name}: 試験 ID {trial.id} が重複しています (duplicate trial id; first kept)"
            )
            continue
        trials[trial.id] = trial
        choices.append(TrialChoice(id=trial.id, title=trial.title or trial.id, source=source))
    return TrialFiles(trials=trials, choices=choices, problems=problems)


class ScreeningRun(BaseModel):
    trial: Trial = Field(description="The compiled trial")
    results: list[ScreenResult] = Field(description="Ranked: eligible, unknown, ineligible; score")
    errors: dict[str, str] = Field(default_factory=dict, description="patient id → why it failed")
    patients_total: int
    screened_at: dt.datetime


def web_screener(trial: Trial, ctx: TaskContext) -> Screener:
    """The app's screener for ``trial``: compiled by rules, matching without the LLM."""
    key = hashlib.sha256(trial.model_dump_json().encode("utf-8")).hexdigest()
    return ctx.resource(
        f"web.screening.screener.{key}",
        lambda: Screener.open(trial, ctx.settings, ScreenOptions(use_llm=False)),
    )


def free_text_criteria(trial: Trial) -> list[str]:
    """Ids of the criteria that only the LLM can judge (a text check in the compiled form)."""
    return [
        c.id
        for c in trial.criteria
        if c.compiled is not None
        and any(check.kind == "text" for check in c.compiled.checks + c.compiled.require)
    ]


@dataclass
class ScreeningRuns:
    """The screening results per trial, computed on first request and kept until re-run."""

    ctx: TaskContext
    _runs: dict[str, ScreeningRun] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, trial: Trial, *, refresh: bool = False) -> ScreeningRun:
        """The results for ``trial`` as defined now (an edited trial file is screened afresh)."""
        key = hashlib.sha256(trial.model_dump_json().encode("utf-8")).hexdigest()
        with self._lock:
            if refresh or key not in self._runs:
                self._runs[key] = self._screen(trial)
            return self._runs[key]

    def _screen(self, trial: Trial) -> ScreeningRun:
        screener = web_screener(trial, self.ctx)
        store = self.ctx.store
        ids = store.patient_ids()
        results: list[ScreenResult] = []
        errors: dict[str, str] = {}
        for patient_id in ids[:MAX_SCREENED]:
            try:
                results.append(screener.screen_record(store.get_patient_record(patient_id)))
            except KarteError as exc:  # one bad record never blocks the others
                errors[patient_id] = exc.message
        return ScreeningRun(
            trial=screener.trial,
            results=rank(results),
            errors=errors,
            patients_total=len(ids),
            screened_at=dt.datetime.now(dt.UTC),
        )


def result_of(run: ScreeningRun, patient_id: str) -> ScreenResult:
    for result in run.results:
        if result.patient_id == patient_id:
            return result
    raise NotFoundError(
        f"患者 {patient_id} はこの試験の判定結果にありません (patient not in the screening results)",
        field="patient_id",
    )


# -- view models ------------------------------------------------------------------------------------


class EvidenceView(BaseModel):
    where: str = Field(description="Document id and offsets, or the structured record")
    document_id: str | None = None
    before: str
    mention: str
    after: str


class CriterionView(BaseModel):
    number: int
    id: str
    type: str
    text: str
    status: str
    status_label: str
    rationale: str
    source: str
    evidence: list[EvidenceView]


def evidence_view(item: EvidenceItem) -> EvidenceView:
    """The evidence sentence split around the term that decided (when the span says where it is)."""
    text = item.text
    before, mention, after = text, "", ""
    if item.start is not None and item.mention_start is not None and item.mention_end is not None:
        a, b = item.mention_start - item.start, item.mention_end - item.start
        if 0 <= a < b <= len(text):
            before, mention, after = text[:a], text[a:b], text[b:]
    if item.record:
        where = item.record
    elif item.document_id is not None:
        where = f"{item.document_id} [{item.start}–{item.end}]"
    else:
        where = f"本文 [{item.start}–{item.end}]"
    return EvidenceView(
        where=where, document_id=item.document_id, before=before, mention=mention, after=after
    )


def criterion_views(result: ScreenResult) -> list[CriterionView]:
    return [
        CriterionView(
            number=number,
            id=c.id,
            type="選択" if c.type == "inclusion" else "除外",
            text=c.text,
            status=c.status,
            status_label=STATUS_JA.get(c.status, c.status),
            rationale=c.rationale,
            source=c.source,
            evidence=[evidence_view(e) for e in c.evidence],
        )
        for number, c in enumerate(result.criteria, start=1)
    ]


class CandidateView(BaseModel):
    rank: int
    result: ScreenResult
    criteria: list[CriterionView]
    decision: Decision | None = None


def candidate_views(run: ScreeningRun, decisions: dict[str, Decision]) -> list[CandidateView]:
    return [
        CandidateView(rank=i, result=r, criteria=criterion_views(r), decision=decisions.get(r.patient_id))
        for i, r in enumerate(run.results, start=1)
    ]


def compiled_lines(trial: Trial) -> dict[str, str]:
    return {c.id: describe_compiled(c.compiled) for c in trial.criteria}


def evidence_marks(criteria: list[CriterionResult], document: Document) -> list[Mark]:
    """Marks of the note evidence in ``document``: the deciding term where known, else the sentence."""
    marks: list[Mark] = []
    for number, criterion in enumerate(criteria, start=1):
        for e in criterion.evidence:
            if e.document_id != document.id or e.start is None or e.end is None:
                continue
            start, end = e.start, e.end
            if e.mention_start is not None and e.mention_end is not None:
                start, end = e.mention_start, e.mention_end
            marks.append(
                Mark(
                    start=start,
                    end=end,
                    kind="evidence",
                    css=[f"ev-{number}", f"st-{criterion.status}"],
                    title=f"{criterion.id}: {STATUS_JA.get(criterion.status, criterion.status)}",
                )
            )
    return marks


class NoteView(BaseModel):
    document: Document
    text: Highlighted
    evidence_count: int


def note_views(record: PatientRecord, result: ScreenResult) -> list[NoteView]:
    """The patient's notes with the evidence marked; notes that hold evidence come first."""
    views = []
    for document in record.documents:
        marks = evidence_marks(result.criteria, document)
        views.append(
            NoteView(document=document, text=highlight(document.text, marks), evidence_count=len(marks))
        )
    return sorted(views, key=lambda v: v.evidence_count == 0)


ELIGIBILITY_LABELS = ELIGIBILITY_JA
