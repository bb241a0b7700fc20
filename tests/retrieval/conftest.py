"""The disease index is built once per test session (in a temporary Karte home) and shared."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from karte.config import reset_settings_cache
from karte.knowledge import disease_index
from karte.retrieval import KnowledgeIndex
from karte.retrieval.evaluate import LabelledQuery

QUERIES = Path(__file__).with_name("disease_queries.yaml")


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("retrieval-home")


@pytest.fixture(scope="session")
def kb_index(session_home: Path) -> KnowledgeIndex:
    """``disease_index()``, built (and cached on disk) under a session-wide temporary home."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KARTE_HOME", str(session_home))
        reset_settings_cache()
        index = disease_index()
    reset_settings_cache()
    return index


@pytest.fixture(scope="session")
def labelled_queries() -> list[LabelledQuery]:
    raw = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    return [LabelledQuery.model_validate(item) for item in raw]
