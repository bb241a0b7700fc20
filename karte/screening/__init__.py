"""Clinical-trial candidate screening with criterion-level evidence (issue 6).

    from karte.screening import Screener, ScreenOptions, load_trial
    screener = Screener.open(load_trial("trial.yaml"), get_settings())
    result = screener.screen_record(patient_record)      # or screen_text(id, note_text)
    result.eligible, [(c.id, c.status, c.evidence) for c in result.criteria]

The parts, one idea each: :mod:`.models` (trial definitions, compiled checks, results),
:mod:`.trial_io` (YAML/JSON), :mod:`.compiler` (criterion text → checks: rules as data in
``resources/ja/``, the LLM for the rest), :mod:`.vocab` (ICD-10 code sets, drug classes, lab
analytes), :mod:`.evidence` (the per-patient evidence index from notes and records),
:mod:`.matchers` (structured checks), :mod:`.llm_matcher` (retrieval + LLM within a call budget),
:mod:`.engine` (one patient, one trial), :mod:`.report` (ranking, HTML, CSV), :mod:`.review`
(coordinator decisions), :mod:`.evaluate` and :mod:`.devset` (dev-set figures). The task is
``karte.tasks.screen_task``; the commands ``karte screen`` and ``karte trial …``.
"""

from karte.screening.models import CriterionResult, ScreenResult, Trial, TrialCriterion
from karte.screening.service import Screener, ScreenOptions
from karte.screening.trial_io import load_trial, trial_from_data

__all__ = [
    "CriterionResult",
    "ScreenOptions",
    "ScreenResult",
    "Screener",
    "Trial",
    "TrialCriterion",
    "load_trial",
    "trial_from_data",
]
