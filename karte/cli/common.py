"""What every CLI command shares: settings from global flags, and failing with a clear message."""

from __future__ import annotations

from typing import Any, NoReturn

import typer
from rich.console import Console

from karte.config import Settings, get_settings

_overrides: dict[str, Any] = {}
_err = Console(stderr=True)


def set_overrides(**values: Any) -> None:
    _overrides.clear()
    _overrides.update({k: v for k, v in values.items() if v is not None})


def cli_settings() -> Settings:
    return get_settings(**_overrides)


def fail(message: str, code: int = 2) -> NoReturn:
    _err.print(f"[red]エラー[/]: {message}", highlight=False)
    raise typer.Exit(code=code)
