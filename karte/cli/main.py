"""Entry point of the ``karte`` command."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from karte import __version__
from karte.cli import (
    audit_cmd,
    batch_cmd,
    codes_cmd,
    deid_cmd,
    demo_cmd,
    doctor_cmd,
    draft_cmd,
    extract_cmd,
    llm_cmd,
    reporting_cmd,
    run_cmd,
    serve_cmd,
    store_cmd,
    trial_cmd,
    users_cmd,
    web_cmd,
)
from karte.cli.common import set_overrides

app = typer.Typer(
    name="karte",
    help="Karte — 日本語臨床テキストの構造化・コーディング・文書作成 (on-premise clinical language AI)",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"karte {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    home: Annotated[
        Path | None, typer.Option("--home", help="データディレクトリ / data directory (KARTE_HOME)")
    ] = None,
    db: Annotated[str | None, typer.Option("--db", help="データベース URL / database URL (KARTE_DB)")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="設定ファイル / TOML config file")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    """Karte のコマンド。全コマンド共通のオプション (options shared by every command)."""
    if config is not None:
        os.environ["KARTE_CONFIG"] = str(config)
    set_overrides(home=home, db=db)


store_cmd.register(app)
doctor_cmd.register(app)
demo_cmd.register(app)
serve_cmd.register(app)
batch_cmd.register(app)
llm_cmd.register(app)
deid_cmd.register(app)  # before run_cmd: its `deid` command has --operator
codes_cmd.register(app)
users_cmd.register(app)
audit_cmd.register(app)
web_cmd.register(app)
extract_cmd.register(app)  # after llm_cmd: adds `eval extract` to its `eval` group
reporting_cmd.register(app)  # after llm_cmd: adds `eval notify`, `eval death` to its `eval` group
draft_cmd.register(app)  # before run_cmd: its `draft` has --format; adds `eval draft`
trial_cmd.register(app)  # before run_cmd: its `screen` has --trial; adds `eval screen`
run_cmd.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
