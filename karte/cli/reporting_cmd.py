"""``karte eval notify|death PATH`` and ``karte reporting table validate|import|reset|show``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from karte.cli.common import EVAL_HELP, cli_settings, command_group, fail
from karte.errors import KarteError

out = Console()
err = Console(stderr=True)


def _print_rows(title: str, rows: list[tuple[str, str]]) -> None:
    table = Table(title=title, show_header=False)
    for a, b in rows:
        table.add_row(a, b)
    out.print(table)


def eval_death_command(
    path: Annotated[
        Path, typer.Argument(help="死亡票の JSONL（expected 付き）/ dev set JSONL with expected codes")
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="結果を JSON で保存 (write the report)")
    ] = None,
    show: Annotated[int, typer.Option("--show", help="表示する不一致の数 (mismatches to print)")] = 30,
) -> None:
    """死亡診断書コーディングの評価: 原死因・外因の一致率 (score death-certificate coding)."""
    from karte.reporting.death.coder import DeathCoder
    from karte.reporting.death.evaluate import evaluate, read_dev_set
    from karte.terminology.registry import get_code_system

    settings = cli_settings()
    try:
        records = read_dev_set(path)
        coder = DeathCoder(get_code_system("icd10", settings), get_code_system("icd11", settings))
        report = evaluate(records, coder)
    except KarteError as exc:
        fail(str(exc), code=1)
    _print_rows(f"death-code: {report.certificates} 件 ({path.name})", report.summary_rows())
    for m in report.mismatches[:show]:
        err.print(f"  {m.id}: {m.what}: expected {m.expected} got {m.got}")
    for e in report.errors:
        err.print(f"[red]エラー[/] {e}")
    if json_out is not None:
        json_out.write_text(json.dumps(report.model_dump(), ensure_ascii=False, indent=1), encoding="utf-8")


def eval_notify_command(
    path: Annotated[Path, typer.Argument(help="症例ノートの JSONL（expected 付き）/ dev set JSONL")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="結果を JSON で保存 (write the report)")
    ] = None,
) -> None:
    """発生届下書きの評価: 届出要否・類型・期限・様式項目 (score notification drafts)."""
    from karte.extract.pipeline import default_extractor
    from karte.reporting.death.evaluate import read_dev_set
    from karte.reporting.diseases.table import load_table
    from karte.reporting.notify.evaluate import evaluate
    from karte.reporting.notify.pipeline import NotifyEngine

    settings = cli_settings()
    try:
        records = read_dev_set(path)
        engine = NotifyEngine(load_table(settings), default_extractor())
        report = evaluate(records, engine)
    except KarteError as exc:
        fail(str(exc), code=1)
    _print_rows(f"notify: {report.cases} 件 ({path.name})", report.summary_rows())
    for m in report.mismatches:
        err.print(f"  {m.id}: {m.what}: expected {m.expected} got {m.got}")
    if json_out is not None:
        json_out.write_text(json.dumps(report.model_dump(), ensure_ascii=False, indent=1), encoding="utf-8")


def table_validate_command(
    path: Annotated[
        Path | None,
        typer.Argument(help="検査する表 (YAML); 省略時は使用中の表 / table file, default the one in use"),
    ] = None,
    names: Annotated[
        Path | None, typer.Option("--names", help="全数疾患名の一覧 CSV (disease_ja 列) と照合")
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="照合の基準日 YYYY-MM-DD (default today)")
    ] = None,
    codes: Annotated[
        bool, typer.Option("--codes/--no-codes", help="ICD-10 コードも検査 (check ICD-10 codes)")
    ] = False,
) -> None:
    """届出対象疾患表の検査 (validate the notifiable-disease table)."""
    from karte.reporting.diseases.table import load_table, read_table_file
    from karte.reporting.diseases.validate import compare_with_name_list, validate_table

    try:
        table = read_table_file(path) if path else load_table(cli_settings())
        checker = None
        if codes:
            from karte.terminology.registry import get_code_system

            icd10 = get_code_system("icd10", cli_settings())

            def checker(c: str) -> bool:
                return bool(icd10.validate(c).ok)

        problems = validate_table(table, checker)
        day = dt.date.fromisoformat(date) if date else dt.date.today()
        compared = compare_with_name_list(table, names, day) if names else None
    except (KarteError, ValueError) as exc:
        fail(str(exc), code=1)
    for p in problems:
        (err if p.level == "error" else out).print(p.line(), highlight=False)
    out.print(
        f"{len(table.diseases)} 行 ({table.origin}, version {table.version}); "
        f"エラー {sum(p.level == 'error' for p in problems)}, "
        f"警告 {sum(p.level == 'warning' for p in problems)}"
    )
    if compared is not None:
        missing, extra = compared
        out.print(f"一覧にあり表にない ({day}): {'、'.join(missing) or 'なし'}")
        out.print(f"表にあり一覧にない ({day}): {'、'.join(extra) or 'なし'}")
    if any(p.level == "error" for p in problems):
        raise typer.Exit(code=1)


def table_import_command(path: Annotated[Path, typer.Argument(help="更新した届出対象疾患表 (YAML)")]) -> None:
    """届出対象疾患表の取り込み: 検査に通れば以後これを使う (validate and install an updated table)."""
    from karte.reporting.diseases.importer import import_table

    try:
        result = import_table(path, cli_settings())
    except KarteError as exc:
        fail(str(exc), code=1)
    for p in result.problems:
        (err if p.level == "error" else out).print(p.line(), highlight=False)
    if result.stored is None:
        fail(
            "エラーがあるため取り込みませんでした。現在の表を使い続けます (not imported; errors above)",
            code=1,
        )
    out.print(f"取り込みました: {result.rows} 行, version {result.version} → {result.stored}")


def table_reset_command() -> None:
    """取り込んだ表を削除し、同梱の表に戻す (remove the imported table)."""
    from karte.reporting.diseases.importer import remove_imported

    removed = remove_imported(cli_settings())
    out.print("同梱の表に戻しました" if removed else "取り込んだ表はありません (nothing imported)")


def table_show_command(
    date: Annotated[str | None, typer.Option("--date", help="基準日 YYYY-MM-DD (default today)")] = None,
    all_rows: Annotated[
        bool, typer.Option("--all", help="定点把握も表示 (include sentinel diseases)")
    ] = False,
) -> None:
    """基準日に有効な届出対象疾患の一覧 (list the diseases in force on a date)."""
    from karte.reporting.diseases.table import load_table

    try:
        day = dt.date.fromisoformat(date) if date else dt.date.today()
        table = load_table(cli_settings())
    except (KarteError, ValueError) as exc:
        fail(str(exc), code=1)
    view = Table(title=f"届出対象疾患 {day} ({table.origin})")
    for col in ("類型", "把握", "期限", "疾患", "有効期間"):
        view.add_column(col)
    for d in sorted(table.on(day), key=lambda x: (x.category, x.reporting, x.name)):
        if d.reporting == "全数" or all_rows:
            view.add_row(d.category, d.reporting, d.deadline, d.name, f"{d.valid_from}〜{d.valid_to or ''}")
    out.print(view)


def register(app: typer.Typer) -> None:
    evaluation = command_group(app, "eval", EVAL_HELP)
    evaluation.command("notify")(eval_notify_command)
    evaluation.command("death")(eval_death_command)
    reporting = command_group(app, "reporting", "届出・死因コーディング (public-health reporting)")
    table = typer.Typer(help="届出対象疾患表 (notifiable-disease table)", no_args_is_help=True)
    reporting.add_typer(table, name="table")
    table.command("validate")(table_validate_command)
    table.command("import")(table_import_command)
    table.command("reset")(table_reset_command)
    table.command("show")(table_show_command)
