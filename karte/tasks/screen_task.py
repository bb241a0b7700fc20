"""Task ``screen``: one patient against a clinical-trial protocol, criterion by criterion, with evidence.

Input: ``{"id", "text"}`` (a note; offsets of the evidence are into it) or ``{"id", "patient_id"}`` (a
stored patient: coded conditions, medications, labs and every note) or ``{"id", "record": {…}}`` (a
patient record in Karte's JSONL form), plus the trial: ``"trial": {…}`` or ``"trial_path"`` in the line,
or the trial the CLI gives with ``--trial`` (the context resource :data:`TRIAL_RESOURCE`).
``screening_date`` (default: the trial's, else today) is the day criteria are judged on.

Output: ``{"id", "trial_id", "eligible": "eligible|ineligible|unknown", "score", "screening_date",
"criteria": [{"id", "type", "status": "met|not_met|unknown", "score", "evidence": [{"start", "end",
"text", "document_id", …}], "rationale", "source"}], "llm_calls", "notes", "review_required"}``.
Structured evidence (a coded condition, a lab record) has ``start``/``end`` null and names the record.
A candidate list for a coordinator to review, never an enrolment decision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from karte.errors import InputError, KarteError
from karte.records.models import PatientRecord
from karte.records.text_checks import check_text
from karte.screening.models import CriterionResult, Eligibility, Trial
from karte.screening.service import Screener, ScreenOptions
from karte.screening.trial_io import load_trial, trial_from_data
from karte.tasks.context import TaskContext
from karte.tasks.registry import TaskInput, TaskOutput, task

TRIAL_RESOURCE = "screening.trial"
OPTIONS_RESOURCE = "screening.options"
DEMO_TRIAL = Path(__file__).resolve().parents[1] / "screening" / "resources" / "ja" / "demo_trial.yaml"
_TRIAL_SUFFIXES = (".yaml", ".yml", ".json")


class ScreenInput(TaskInput):
    text: str | None = Field(default=None, description="A note about the patient (UTF-8)")
    patient_id: str | None = Field(default=None, description="Id of a patient in the store")
    record: PatientRecord | None = Field(default=None, description="A patient record (Karte JSONL form)")
    note_date: dt.date | None = Field(default=None, description="Date the text was written (with text)")
    screening_date: dt.date | None = Field(default=None, description="Day the criteria are judged on")
    trial: dict[str, Any] | None = Field(default=None, description="The trial {id, title, criteria}")
    trial_path: str | None = Field(default=None, description="A trial file (.yaml/.json) on this machine")

    @field_validator("text")
    @classmethod
    def _text_ok(cls, value: str | None) -> str | None:
        return None if value is None else check_text(value)

    @model_validator(mode="after")
    def _one_patient(self) -> ScreenInput:
        given = [k for k in ("text", "patient_id", "record") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "text, patient_id, record のうち1つを指定してください "
                "(give exactly one of text, patient_id, record)"
            )
        if self.trial is not None and self.trial_path is not None:
            raise ValueError(
                "trial と trial_path は同時に指定できません (give trial or trial_path, not both)"
            )
        if self.trial_path is not None and not self.trial_path.lower().endswith(_TRIAL_SUFFIXES):
            raise ValueError(
                "trial_path は .yaml/.yml/.json のファイルです (trial_path must be a trial file)"
            )
        return self


class ScreenOutput(TaskOutput):
    trial_id: str
    eligible: Eligibility
    score: float = Field(ge=0.0, le=1.0, description="Likelihood of eligibility, for ranking (uncalibrated)")
    screening_date: dt.date
    criteria: list[CriterionResult]
    llm_calls: int = 0
    notes: list[str] = Field(default_factory=list)
    review_required: bool = Field(default=True, description="候補リスト: 要確認 (a candidate for review)")


def _trial_of(inp: ScreenInput, ctx: TaskContext) -> Trial:
    if inp.trial is not None:
        return trial_from_data(inp.trial, "trial")
    if inp.trial_path is not None:
        return ctx.resource(
            f"screening.trial_file.{inp.trial_path}", lambda: load_trial(inp.trial_path or "")
        )
    trial: Trial | None = ctx.resource(TRIAL_RESOURCE, lambda: None)
    if trial is None:
        raise InputError(
            "試験定義がありません: 入力行の trial / trial_path か --trial を指定してください "
            "(no trial: give trial or trial_path in the line, or --trial)",
            field="trial",
        )
    return trial


def screener_for(trial: Trial, ctx: TaskContext) -> Screener:
    """The run's screener for ``trial`` (compiled once per run, shared by every patient)."""
    digest = hashlib.sha256(json.dumps(trial.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    options = ctx.resource(OPTIONS_RESOURCE, ScreenOptions)
    return ctx.resource(f"screening.screener.{digest}", lambda: Screener.open(trial, ctx.settings, options))


def _demo(ctx: TaskContext) -> Iterator[dict[str, Any]]:
    for i, pid in enumerate(ctx.store.patient_ids()):
        if i >= 24:
            break
        yield {"id": f"screen-{pid}", "patient_id": pid, "trial_path": str(DEMO_TRIAL)}


@task(
    "screen",
    input=ScreenInput,
    output=ScreenOutput,
    summary="治験候補のスクリーニング（基準ごとの判定と根拠） (screen a patient against trial criteria)",
    demo_inputs=_demo,
)
def screen_task(inp: ScreenInput, ctx: TaskContext) -> ScreenOutput:
    screener = screener_for(_trial_of(inp, ctx), ctx)
    if inp.text is not None:
        result = screener.screen_text(str(inp.id), inp.text, inp.note_date, inp.screening_date)
    else:
        if inp.record is not None:
            record = inp.record
        else:
            try:
                record = ctx.store.get_patient_record(inp.patient_id or "")
            except KarteError as exc:
                exc.field = exc.field or "patient_id"
                raise
        result = screener.screen_record(record, inp.screening_date)
    return ScreenOutput(
        id=inp.id,
        trial_id=result.trial_id,
        eligible=result.eligible,
        score=result.score,
        screening_date=result.screening_date,
        criteria=result.criteria,
        llm_calls=result.llm_calls,
        notes=result.notes,
    )
