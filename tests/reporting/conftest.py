"""Shared, expensive objects of the reporting tests (built once per test session)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from karte.config import Settings
from karte.reporting.death.coder import DeathCoder

SHARED_ICD11 = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "icd11"


@pytest.fixture(scope="session")
def death_coder() -> DeathCoder:
    """The coder over the embedded ICD-10 and ICD-11 tables."""
    from karte.terminology.registry import get_code_system

    settings = Settings()
    return DeathCoder(get_code_system("icd10", settings), get_code_system("icd11", settings))


@pytest.fixture(scope="session")
def full_icd11_coder() -> Iterator[DeathCoder]:
    """The coder with WHO's full ICD-11 SimpleTabulation (chapter 23 stems and place extensions)."""
    if not SHARED_ICD11.is_dir():
        pytest.skip(f"reference data not found at {SHARED_ICD11}")
    from karte.terminology.registry import get_code_system

    settings = Settings(code_tables={"icd11": SHARED_ICD11})
    yield DeathCoder(get_code_system("icd10", settings), get_code_system("icd11", settings))
