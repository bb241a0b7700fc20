"""Dev-set quality: five protocols over the 300-patient synthetic FHIR cohort, labelled from its ground truth.

Floors (rules only; the LLM is not used here): recall of eligible patients ≥ 0.95 with the candidate list
(eligible + unknown) ≤ 15 % of the cohort, criterion accuracy ≥ 0.90 — from the full records and from the
notes alone. Measured on this dev set (``karte eval screen ../shared/data/cohort``): records 0.983 /
recall 1.0 / list 7.3 %; notes only 0.952 / 1.0 / 7.5 %.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from karte.config import Settings
from karte.records.loaders import load_path
from karte.records.models import PatientRecord
from karte.screening.devset import trial_paths
from karte.screening.devset.fhir_gold import gold_labels
from karte.screening.evaluate import EvalReport, Mode, evaluate
from karte.screening.service import Screener, ScreenOptions
from karte.screening.trial_io import load_trial


@pytest.fixture(scope="module")
def reports() -> dict[str, EvalReport]:
    cohort = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cohort"
    if not cohort.is_dir():
        pytest.skip(f"reference data not found at {cohort}")
    gold = gold_labels(cohort)
    records = [r for r in load_path(cohort / "patients") if isinstance(r, PatientRecord)]
    settings = Settings(llm="none")
    screeners = [Screener.open(load_trial(p), settings, ScreenOptions(use_llm=False)) for p in trial_paths()]
    modes: list[Mode] = ["record", "notes"]
    return {mode: evaluate(screeners, records, gold, mode) for mode in modes}


@pytest.mark.parametrize("mode", ["record", "notes"])
def test_devset_meets_the_targets(reports: dict[str, EvalReport], mode: str) -> None:
    total = reports[mode].total()
    assert total.patients == 5 * 300
    assert total.gold_eligible >= 40  # enough eligible patients for recall to mean something
    assert total.recall >= 0.95, total.errors[:10]
    assert total.list_share <= 0.15
    assert total.accuracy >= 0.90, total.errors[:10]


def test_every_trial_keeps_its_eligible_patients(reports: dict[str, EvalReport]) -> None:
    for mode, report in reports.items():
        for trial in report.trials:
            assert trial.recall >= 0.95, (mode, trial.trial_id, trial.errors[:5])
