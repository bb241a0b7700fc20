"""Fixtures of the extraction tests: the committed pipeline (built once per session)."""

from __future__ import annotations

import pytest

from karte.extract.pipeline import Extractor, default_extractor


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return default_extractor()
