"""``karte doctor``: what is installed and configured, in Japanese and English."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Literal

import typer
from rich.console import Console
from rich.table import Table

from karte import __version__
from karte.cli.common import cli_settings
from karte.config import Settings

Status = Literal["ok", "warn", "fail"]
_MARK = {"ok": "[green]OK[/]", "warn": "[yellow]注意 WARN[/]", "fail": "[red]失敗 FAIL[/]"}


@dataclass
class Check:
    ja: str
    en: str
    status: Status
    detail: str


def _version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _home(s: Settings) -> Check:
    home = s.home
    if home.exists() and not os.access(home, os.W_OK):
        return Check(
            "データディレクトリ", "data directory", "fail", f"{home} に書き込めません (not writable)"
        )
    state = "" if home.exists() else " (未作成: 初回使用時に作成 / created on first use)"
    return Check("データディレクトリ", "data directory", "ok", f"{home}{state}")


def _database(s: Settings) -> Check:
    try:
        from karte.records.store import open_store

        with open_store(s.database_url) as store:
            counts = ", ".join(f"{k} {v}" for k, v in store.counts().items())
            return Check(
                "データベース",
                "database",
                "ok",
                f"{_redact(s.database_url)} rev {store.revision()}; {counts}",
            )
    except Exception as exc:
        return Check("データベース", "database", "fail", f"{_redact(s.database_url)}: {exc}")


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def _sudachi(s: Settings) -> Check:
    try:
        from karte.text import tokenize

        n = len(tokenize("高血圧症にて通院中。"))
        detail = f"sudachipy {_version_of('sudachipy')}, sudachidict-core {_version_of('sudachidict-core')}"
        return Check(
            "形態素解析", "tokenizer (SudachiPy, mode C)", "ok", f"{detail}; {n} tokens in test sentence"
        )
    except Exception as exc:
        return Check("形態素解析", "tokenizer (SudachiPy, mode C)", "fail", str(exc))


def _spacy(s: Settings) -> Check:
    return Check(
        "spaCy", "spaCy", "ok" if _version_of("spacy") != "not installed" else "fail", _version_of("spacy")
    )


def _llm(s: Settings) -> Check:
    if s.llm == "none":
        return Check("言語モデル", "LLM backend", "ok", "無効 (disabled)")
    if s.llm == "openai":
        url = s.llm_base_url or "(KARTE_LLM_BASE_URL 未設定 / not set)"
        return Check("言語モデル", "LLM backend", "ok" if s.llm_base_url else "warn", f"openai: {url}")
    models = sorted(p.name for p in s.model_cache.glob("*.gguf")) if s.model_cache.is_dir() else []
    if models:
        return Check("言語モデル", "LLM backend", "ok", f"embedded: {', '.join(models)}")
    return Check(
        "言語モデル",
        "LLM backend",
        "warn",
        f"embedded: {s.model_cache} にモデルがありません (no model installed; LLM features unavailable)",
    )


def _code_tables(s: Settings) -> Check:
    try:
        from karte.terminology import table_status

        rows = table_status(s)
    except Exception as exc:
        return Check("コード表", "code tables", "fail", str(exc))
    missing = [f"{k}: {p}" for k, p in s.code_tables.items() if not p.is_file()]
    parts = []
    for t in rows:
        kind = {"imported": "取込済 imported", "configured": "設定 configured"}.get(t.origin, "組込 embedded")
        extra = f" {t.version}, {t.rows:,} rows" if t.origin == "imported" else ""
        parts.append(f"{t.system}: {kind}{extra}")
    if missing:
        return Check(
            "コード表", "code tables", "fail", "ファイルがありません (missing): " + "; ".join(missing)
        )
    return Check("コード表", "code tables", "ok", "; ".join(parts))


CHECKS: list[Callable[[Settings], Check]] = [_home, _database, _sudachi, _spacy, _llm, _code_tables]


def run_checks(settings: Settings) -> list[Check]:
    base = [
        Check("Karte", "Karte", "ok", f"{__version__} (Python {platform.python_version()})"),
        Check(
            "設定ファイル", "config file", "ok", str(settings.config_file or "なし (none): 環境変数と既定値")
        ),
    ]
    return base + [check(settings) for check in CHECKS]


def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor() -> None:
        """インストールと設定の確認 (show what is installed and configured)."""
        checks = run_checks(cli_settings())
        table = Table(title="karte doctor")
        for col in ("項目", "item", "状態 / status", "詳細 / detail"):
            table.add_column(col)
        for c in checks:
            table.add_row(c.ja, c.en, _MARK[c.status], c.detail)
        Console().print(table)
        if any(c.status == "fail" for c in checks):
            raise typer.Exit(code=1)
