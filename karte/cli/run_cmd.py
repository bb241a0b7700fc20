"""``karte tasks``, ``karte run NAME`` and the shortcut ``karte NAME`` for every task."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Any, BinaryIO

import typer
from rich.console import Console
from rich.table import Table

from karte.cli.common import cli_settings, fail
from karte.cli.progress import DelayedProgress
from karte.errors import KarteError
from karte.tasks.context import TaskContext
from karte.tasks.jsonl_io import ENCODINGS, dump_line, parse_jsonl
from karte.tasks.registry import TaskSpec, all_tasks, get_task
from karte.tasks.runner import RunSummary, run_task

err = Console(stderr=True)

InputOpt = Annotated[
    str, typer.Option("--input", "-i", help="入力 JSONL (- は標準入力) / input JSONL, - for stdin")
]
OutputOpt = Annotated[str, typer.Option("--output", "-o", help="出力 JSONL (- は標準出力) / output JSONL")]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="進捗と要約を表示しない / no progress, no summary")
]
EncodingOpt = Annotated[
    str, typer.Option("--encoding", help=f"入力の文字コード / input encoding: {', '.join(ENCODINGS)}")
]
DeidOpt = Annotated[
    bool,
    typer.Option(
        "--deid", help="出力の本文中の個人情報を ＜氏名＞ 等に置換 / mask PII in the output's text fields"
    ),
]


def tasks_command() -> None:
    """登録済みタスクの一覧 (list tasks with their input and output fields)."""
    table = Table(title="Karte tasks")
    table.add_column("task")
    table.add_column("説明 / summary")
    table.add_column("input")
    table.add_column("output")
    for spec in all_tasks():
        table.add_row(
            spec.name, spec.summary, ", ".join(spec.input.model_fields), ", ".join(spec.output.model_fields)
        )
    Console().print(table)


@contextlib.contextmanager
def _open_input(path: str) -> Iterator[BinaryIO]:
    if path == "-":
        yield sys.stdin.buffer
        return
    p = Path(path)
    if not p.is_file():
        raise KarteError(
            f"入力ファイル {p} がありません (input file not found)", field="input", type="not_found"
        )
    with p.open("rb") as fh:
        yield fh


@contextlib.contextmanager
def _open_output(path: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdout
        return
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding="utf-8", newline="\n") as fh:
        yield fh


def _count_lines(path: str) -> int | None:
    if path == "-":
        return None
    with Path(path).open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def print_summary(summary: RunSummary) -> None:
    for notice in summary.notices[:20]:
        err.print(f"[yellow]注意[/]: {notice}")
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(summary.errors_by_type.items()))
    style = "red" if summary.failed else "green"
    err.print(
        f"[{style}]{summary.task}: {summary.total} 件処理, 成功 {summary.ok}, 失敗 {summary.failed}[/]"
        + (f" ({kinds})" if kinds else "")
        + f"  [{summary.total} records, {summary.ok} ok, {summary.failed} failed]"
    )


def run_to_stream(
    spec: TaskSpec, input_path: str, out: IO[str], *, quiet: bool, encoding: str, deid: bool = False
) -> RunSummary:
    """Run ``spec`` over a JSONL file, writing each output line as soon as it is ready."""
    summary = RunSummary(spec.name)
    with (
        _open_input(input_path) as fh,
        TaskContext(cli_settings()) as ctx,
        DelayedProgress(spec.name, _count_lines(input_path), quiet=quiet) as progress,
    ):
        items = parse_jsonl(fh, encoding=encoding)
        if deid:  # karte.deid.output_filter: mask PII in the outputs' text fields
            from karte.deid.output_filter import OutputDeidentifier

            cleaner = OutputDeidentifier(lambda doc_id: ctx.store.get_document(doc_id).text)
            items = cleaner.watch(items)
        for result in run_task(spec, items, ctx, summary):
            if deid:
                result = cleaner.apply(result)
            out.write(dump_line(result) + "\n")
            progress.advance(error="error" in result)
    return summary


def run_command(name: str, input: str, output: str, quiet: bool, encoding: str, deid: bool = False) -> None:
    if encoding not in ENCODINGS:
        fail(f"--encoding は {', '.join(ENCODINGS)} のいずれかです (unknown encoding {encoding!r})")
    try:
        spec = get_task(name)
        with _open_output(output) as out:
            summary = run_to_stream(spec, input, out, quiet=quiet, encoding=encoding, deid=deid)
    except KarteError as exc:
        fail(str(exc))
    if not quiet:
        print_summary(summary)
    if summary.failed:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("tasks")(tasks_command)

    @app.command("run")
    def run(
        name: Annotated[str, typer.Argument(help="タスク名 / task name (karte tasks)")],
        input: InputOpt = "-",
        output: OutputOpt = "-",
        quiet: QuietOpt = False,
        encoding: EncodingOpt = "auto",
        deid: DeidOpt = False,
    ) -> None:
        """タスクを JSONL に実行 (run a task over JSONL: one {"id", …} per line)."""
        run_command(name, input, output, quiet, encoding, deid)

    taken = {c.name for c in app.registered_commands}
    for spec in all_tasks():
        if spec.name not in taken:
            app.command(spec.name, help=f"{spec.summary} (= karte run {spec.name})")(_shortcut(spec.name))


def _shortcut(name: str) -> Any:
    def shortcut(
        input: InputOpt = "-",
        output: OutputOpt = "-",
        quiet: QuietOpt = False,
        encoding: EncodingOpt = "auto",
        deid: DeidOpt = False,
    ) -> None:
        run_command(name, input, output, quiet, encoding, deid)

    return shortcut
