"""What every CLI command shares: error messages printed verbatim, one shared ``eval`` group."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from karte.cli.common import command_group, fail
from karte.cli.main import app


def test_fail_prints_bracketed_text_verbatim(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as info:
        fail("[field text] 記録 [red]7[/red] が読めません")
    assert info.value.exit_code == 2
    assert "[field text] 記録 [red]7[/red] が読めません" in capsys.readouterr().err


def test_command_group_is_created_once_and_shared() -> None:
    root = typer.Typer()
    first = command_group(root, "eval", "評価")
    assert command_group(root, "eval", "別の説明") is first
    assert [info.name for info in root.registered_groups] == ["eval"]


def test_every_evaluation_lives_under_one_eval_group() -> None:
    result = CliRunner().invoke(app, ["eval", "--help"])
    assert result.exit_code == 0
    for name in ("qa", "extract", "code", "deid", "notify", "death", "draft", "screen"):
        assert f" {name} " in result.output
