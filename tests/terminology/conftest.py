"""Code systems are loaded once per test session (the registry caches them per process)."""

from __future__ import annotations

from typing import Any

import pytest

from karte.terminology.registry import get_code_system


@pytest.fixture(scope="session")
def icd10() -> Any:
    return get_code_system("icd10")


@pytest.fixture(scope="session")
def icd11() -> Any:
    return get_code_system("icd11")


@pytest.fixture(scope="session")
def icf() -> Any:
    return get_code_system("icf")


@pytest.fixture(scope="session")
def jfagy() -> Any:
    return get_code_system("jfagy")


@pytest.fixture(scope="session")
def jlac() -> Any:
    return get_code_system("jlac")
