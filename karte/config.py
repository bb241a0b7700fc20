"""One settings object for Karte.

Precedence, highest first: CLI flags (passed as overrides), environment variables (``KARTE_*``),
the TOML file (``$KARTE_HOME/config.toml`` or ``KARTE_CONFIG``), defaults.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from karte.errors import ConfigError


def _default_home() -> Path:
    return Path(os.environ.get("KARTE_HOME") or Path.home() / ".karte")


class Settings(BaseSettings):
    """Karte configuration (データディレクトリ, データベース, LLM, コード表)."""

    model_config = SettingsConfigDict(env_prefix="KARTE_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Data directory (KARTE_HOME)")
    db: str | None = Field(default=None, description="Database URL (KARTE_DB); default SQLite in home")
    llm: str = Field(default="embedded", description="LLM backend: embedded | openai | none (KARTE_LLM)")
    llm_model: str = Field(default="default", description="Embedded model name or served model id")
    llm_base_url: str | None = Field(default=None, description="Base URL of an OpenAI-compatible server")
    llm_budget_calls: int = Field(default=5000, ge=1, description="Max LLM calls per task run")
    llm_budget_tokens: int = Field(default=5_000_000, ge=1, description="Max LLM tokens per task run")
    llm_timeout: float = Field(default=120.0, gt=0, description="Seconds to wait for an LLM server answer")
    llm_retries: int = Field(default=3, ge=0, description="Retries of a failed LLM server request")
    llm_concurrency: int = Field(default=4, ge=1, description="Max concurrent requests to the LLM server")
    llm_threads: int | None = Field(default=None, ge=1, description="CPU threads of the embedded LLM (all)")
    code_tables: dict[str, Path] = Field(default_factory=dict, description="code system → official file path")
    deid_secret: SecretStr | None = Field(
        default=None, description="Site secret for pseudonyms, date shifts and hashes (KARTE_DEID_SECRET)"
    )
    auth: Literal["required", "none"] = Field(
        default="required",
        description="Task API authentication: required | none (development, loopback only) (KARTE_AUTH)",
    )
    web_secret: SecretStr | None = Field(
        default=None, description="Signs web session cookies (KARTE_WEB_SECRET); default: a file in home"
    )
    config_file: Path | None = Field(default=None, exclude=True, description="TOML file that was read")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))

    @property
    def database_url(self) -> str:
        return self.db or f"sqlite:///{self.home / 'karte.db'}"

    @property
    def model_cache(self) -> Path:
        return self.home / "models"


class _TomlSource(PydanticBaseSettingsSource):
    """Reads ``KARTE_CONFIG`` or ``$KARTE_HOME/config.toml`` (``[karte]`` table or top level)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = config_path()
        if path is None:
            return {}
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(
                f"設定ファイル {path} を読めません: {exc} (cannot read config file)", field="config"
            ) from exc
        values = dict(data.get("karte", data))
        values["config_file"] = path
        return values


def config_path() -> Path | None:
    explicit = os.environ.get("KARTE_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(
                f"KARTE_CONFIG のファイル {path} がありません (config file not found)", field="config"
            )
        return path
    path = _default_home() / "config.toml"
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def _cached() -> Settings:
    return Settings()


def get_settings(**overrides: Any) -> Settings:
    """The settings in force; keyword overrides (from CLI flags) win over everything else."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**given) if given else _cached()


def reset_settings_cache() -> None:
    _cached.cache_clear()
