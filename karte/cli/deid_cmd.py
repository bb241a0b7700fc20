"""``karte deid`` (with ``--operator``), ``karte eval deid PATH`` and ``karte deid-reidentify``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from karte.cli.common import EVAL_HELP, cli_settings, command_group, fail
from karte.cli.run_cmd import EncodingOpt, InputOpt, OutputOpt, QuietOpt, print_summary
from karte.errors import KarteError
from karte.tasks.jsonl_io import ENCODINGS, ParsedLine, dump_line, parse_jsonl

OPERATOR_HELP = (
    "mask（＜氏名＞ などに置換）| pseudonymize（仮名・日付ずらし）| shift-dates（日付のみずらす）| hash"
)


def _with_defaults(items: Iterator[ParsedLine], defaults: dict[str, object]) -> Iterator[ParsedLine]:
    """Fill options given on the command line into records that do not set them."""
    for item in items:
        if isinstance(item.value, dict):
            for key, value in defaults.items():
                item.value.setdefault(key, value)
        yield item


def deid_command(
    input: InputOpt = "-",
    output: OutputOpt = "-",
    operator: Annotated[str, typer.Option("--operator", help=OPERATOR_HELP)] = "mask",
    mapping: Annotated[
        bool, typer.Option("--mapping", help="暗号化した再識別用マッピングを出力 / add the encrypted mapping")
    ] = False,
    all_ages: Annotated[
        bool,
        typer.Option("--all-ages", help="全年齢を個人情報とする (既定: 90歳以上) / every age is identifying"),
    ] = False,
    quiet: QuietOpt = False,
    encoding: EncodingOpt = "auto",
) -> None:
    """個人情報を検出して匿名化 (de-identify notes: {"id","text"} or {"id","document_id"} per line)."""
    from karte.cli.progress import DelayedProgress
    from karte.cli.run_cmd import _open_input, _open_output
    from karte.deid.operators import OPERATORS, SECRET_OPERATORS
    from karte.deid.secret import site_secret
    from karte.tasks.context import TaskContext
    from karte.tasks.registry import get_task
    from karte.tasks.runner import RunSummary, run_task

    if operator not in OPERATORS:
        fail(f"--operator は {', '.join(OPERATORS)} のいずれかです (unknown operator {operator!r})")
    if encoding not in ENCODINGS:
        fail(f"--encoding は {', '.join(ENCODINGS)} のいずれかです (unknown encoding {encoding!r})")
    if operator in SECRET_OPERATORS or mapping:
        try:
            site_secret(cli_settings(), operator if operator in SECRET_OPERATORS else "mapping")
        except KarteError as exc:
            fail(str(exc))
    defaults: dict[str, object] = {"operator": operator}
    if mapping:
        defaults["mapping"] = True
    if all_ages:
        defaults["all_ages"] = True
    spec = get_task("deid")
    summary = RunSummary(spec.name)
    try:
        with (
            _open_output(output) as out,
            _open_input(input) as fh,
            TaskContext(cli_settings()) as ctx,
            DelayedProgress(spec.name, None, quiet=quiet) as progress,
        ):
            items = _with_defaults(parse_jsonl(fh, encoding=encoding), defaults)
            for result in run_task(spec, items, ctx, summary):
                out.write(dump_line(result) + "\n")
                progress.advance(error="error" in result)
    except KarteError as exc:
        fail(str(exc))
    if not quiet:
        print_summary(summary)
    if summary.failed:
        raise typer.Exit(code=1)


def eval_deid_command(
    path: Annotated[Path, typer.Argument(help="正解付き JSONL ({id, text, spans:[{start,end,type}]})")],
    all_ages: Annotated[bool, typer.Option("--all-ages", help="全年齢を個人情報として評価")] = False,
    errors: Annotated[int, typer.Option("--errors", help="表示する誤り例の数 / error cases to show")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON で出力 / print JSON")] = False,
) -> None:
    """匿名化の評価: 種類ごとの再現率・適合率 (per-type recall and precision of de-identification)."""
    from karte.deid import DeidPolicy, Detector
    from karte.deid.evaluate import load_gold, score

    if not path.is_file():
        fail(f"{path} がありません (file not found)")
    try:
        docs = load_gold(path)
    except KarteError as exc:
        fail(str(exc))
    report = score(docs, Detector(policy=DeidPolicy(age_threshold=None if all_ages else 90)))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    out = Console()
    table = Table(title=f"deid: {report.documents} documents, {report.chars:,} characters")
    for col in ("type", "gold", "predicted", "recall", "precision", "F1"):
        table.add_column(col, justify="left" if col == "type" else "right")
    for name, c in report.typed.items():
        table.add_row(name, str(c.gold), str(c.pred), f"{c.recall:.3f}", f"{c.precision:.3f}", f"{c.f1:.3f}")
    for name, c in (("exact (all)", report.exact), ("coverage (all)", report.coverage)):
        table.add_row(name, str(c.gold), str(c.pred), f"{c.recall:.3f}", f"{c.precision:.3f}", f"{c.f1:.3f}")
    out.print(table)
    out.print("typed: 同じ種類で重なれば正解 (same type, overlapping); NAME = PATIENT_NAME + PERSON_NAME")
    out.print("coverage: 正解の全文字が何らかのスパンで消されたか (every gold character removed, any type)")
    for case in report.errors[:errors]:
        out.print(f"  {case.document} {case.kind} {case.type}: {case.context}", highlight=False)


def reidentify_command(
    input: InputOpt = "-",
    output: OutputOpt = "-",
) -> None:
    """再識別: deid 出力のマッピングを復号 (decrypt the mapping of deid output; needs the secret)."""
    from karte.cli.run_cmd import _open_input, _open_output
    from karte.deid.mapping import decrypt_mapping
    from karte.deid.secret import site_secret

    try:
        secret = site_secret(cli_settings(), "reidentify")
        with _open_input(input) as fh, _open_output(output) as out:
            for item in parse_jsonl(fh):
                value = item.value if isinstance(item.value, dict) else {}
                token = value.get("mapping")
                if not token:
                    out.write(dump_line({"id": value.get("id"), "rows": []}) + "\n")
                    continue
                document, rows = decrypt_mapping(secret, str(token))
                out.write(
                    dump_line(
                        {"id": value.get("id"), "document": document, "rows": [r.model_dump() for r in rows]}
                    )
                    + "\n"
                )
    except KarteError as exc:
        fail(str(exc))


def register(app: typer.Typer) -> None:
    app.command("deid")(deid_command)
    app.command("deid-reidentify")(reidentify_command)
    command_group(app, "eval", EVAL_HELP).command("deid")(eval_deid_command)
