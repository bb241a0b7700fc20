"""What every CLI command shares: settings from global flags, and failing with a clear message."""

from __future__ import annotations

from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from karte.config import Settings, get_settings

_overrides: dict[str, Any] = {}
_err = Console(stderr=True)


def set_overrides(**values: Any) -> None:
    _overrides.clear()
    _overrides.update({k: v for k, v in values.items() if v is not None})


def cli_settings() -> Settings:
    return get_settings(**_overrides)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``エラー: message`` on stderr (the message verbatim, brackets included) and exit."""
    _err.print(f"[red]エラー[/]: {escape(message)}", highlight=False)
    raise typer.Exit(code=code)


EVAL_HELP = "評価 (evaluation on reference data)"


def command_group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    """The sub-command group ``name`` of ``app``, created if no other module has made it yet.

    Several modules add commands to one group (``karte eval qa|extract|code|…``), so whichever
    registers first creates it and the others find it here.
    """
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help=help_text, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group
