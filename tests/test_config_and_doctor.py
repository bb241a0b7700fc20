"""Settings precedence (flags > environment > TOML > defaults) and karte doctor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from karte.config import Settings, get_settings, reset_settings_cache
from karte.errors import ConfigError


def test_defaults_live_in_home(karte_home: Path) -> None:
    s = get_settings()
    assert s.home == karte_home
    assert s.database_url == f"sqlite:///{karte_home / 'karte.db'}"
    assert s.llm == "embedded"


def test_toml_then_environment_then_flags(karte_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    karte_home.mkdir(parents=True)
    (karte_home / "config.toml").write_text(
        '[karte]\nllm = "openai"\nllm_base_url = "http://127.0.0.1:8080/v1"\ndb = "sqlite:////tmp/a.db"\n',
        encoding="utf-8",
    )
    reset_settings_cache()
    s = get_settings()
    assert (s.llm, s.llm_base_url, s.db) == ("openai", "http://127.0.0.1:8080/v1", "sqlite:////tmp/a.db")
    assert s.config_file == karte_home / "config.toml"
    monkeypatch.setenv("KARTE_LLM", "none")
    reset_settings_cache()
    assert get_settings().llm == "none"
    assert get_settings(db="sqlite:////tmp/b.db").database_url == "sqlite:////tmp/b.db"


def test_broken_toml_is_a_clear_error(karte_home: Path) -> None:
    karte_home.mkdir(parents=True)
    (karte_home / "config.toml").write_text("[karte\nllm=", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.toml"):
        Settings()


def test_missing_explicit_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KARTE_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match=r"nope\.toml"):
        Settings()


def test_doctor_reports_in_japanese_and_english(karte_home: Path) -> None:
    env = {**os.environ, "KARTE_HOME": str(karte_home), "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "karte", "doctor"], capture_output=True, env=env, timeout=120
    )
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    for word in ("データベース", "database", "形態素解析", "言語モデル", "LLM backend", "コード表"):
        assert word in out
    # The database it reports on was created and migrated.
    assert (karte_home / "karte.db").is_file()


def test_doctor_fails_on_unreachable_database(karte_home: Path) -> None:
    env = {**os.environ, "KARTE_HOME": str(karte_home), "KARTE_DB": "postgresql://nobody@127.0.0.1:1/none"}
    proc = subprocess.run(
        [sys.executable, "-m", "karte", "doctor"], capture_output=True, env=env, timeout=120
    )
    assert proc.returncode == 1
