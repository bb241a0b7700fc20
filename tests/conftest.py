"""Every test runs with its own Karte home (data directory, SQLite store) under tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from karte.config import reset_settings_cache

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def karte_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "karte-home"
    monkeypatch.setenv("KARTE_HOME", str(home))
    for var in ("KARTE_DB", "KARTE_CONFIG", "KARTE_LLM"):
        monkeypatch.delenv(var, raising=False)
    reset_settings_cache()
    yield home
    reset_settings_cache()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA}")
    return SHARED_DATA
