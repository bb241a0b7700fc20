"""Fixtures of the web tests: the app (once per session, on its own SQLite file), a client, PostgreSQL."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_support import build_app

from karte.config import Settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def web_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("web-home")
    return Settings(home=home, db=f"sqlite:///{home / 'karte.db'}", web_secret="w" * 40, llm="none")


@pytest.fixture(scope="session")
def web_app(web_settings: Settings) -> FastAPI:
    return build_app(web_settings)


@pytest.fixture
def client(web_app: FastAPI) -> TestClient:
    return TestClient(web_app)


# -- the real PostgreSQL server of tests/store (one definition, loaded from its file) ---------------


def _store_conftest() -> Any:
    spec = importlib.util.spec_from_file_location(
        "karte_tests_store_conftest", REPO / "tests/store/conftest.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


pg_server = _store_conftest().pg_server
