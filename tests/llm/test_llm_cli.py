"""``karte llm chat`` and errors of the LLM commands, on the real small model."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from karte.cli.main import app


def test_chat_one_message_prints_the_answer_and_the_audit(llm_env: Path) -> None:
    result = CliRunner().invoke(app, ["llm", "chat", "「はい」とだけ答えてください。", "--max-tokens", "8"])
    assert result.exit_code == 0, result.output
    assert "chat.v1" in result.output and "embedded" in result.output


def test_chat_without_model_names_the_install_command(karte_home: Path) -> None:
    result = CliRunner().invoke(app, ["llm", "chat", "こんにちは", "--model", "small"])
    assert result.exit_code != 0
    assert "karte models install small" in result.output


def test_eval_on_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "qa", str(tmp_path / "nope")])
    assert result.exit_code != 0 and "ありません" in result.output
