"""``karte reporting table …`` and ``karte eval death`` from the command line."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from typer.testing import CliRunner

from karte.cli.main import app

runner = CliRunner()


def test_table_validate_and_show(shared_data: Path) -> None:
    names = shared_data / "kansensho" / "niid_zensu_diseases_2023w16_order.csv"
    result = runner.invoke(
        app, ["reporting", "table", "validate", "--names", str(names), "--date", "2023-04-20"]
    )
    assert result.exit_code == 0, result.output
    assert "エラー 0" in result.output and "一覧にあり表にない (2023-04-20): なし" in result.output
    shown = runner.invoke(app, ["reporting", "table", "show", "--date", "2020-06-01"])
    assert shown.exit_code == 0 and "指定感染症" in shown.output


def test_table_import_refuses_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("diseases: [{id: x}]\n", encoding="utf-8")
    result = runner.invoke(app, ["reporting", "table", "import", str(bad)])
    assert result.exit_code == 1 and "x" in result.output


def test_eval_death_command() -> None:
    path = Path(str(resources.files("karte.reporting.devsets").joinpath("death_heldout.jsonl")))
    result = runner.invoke(app, ["eval", "death", str(path), "--show", "0"])
    assert result.exit_code == 0, result.output
    assert "原死因 ICD-10 3桁" in result.output and "35 件" in result.output
