"""``karte batch TASK --input … --output DIR``: a task over millions of records, with resume."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, cast

import typer
from rich.console import Console
from rich.markup import escape

from karte.batch.driver import BatchConfig, BatchReport, run_batch
from karte.batch.memory import MIB
from karte.batch.sources import DEFAULT_BATCH_CHARS, DEFAULT_BATCH_RECORDS, KINDS, Sizing, open_source
from karte.cli.batch_progress import BatchProgress
from karte.cli.common import cli_settings, fail
from karte.errors import KarteError
from karte.tasks.jsonl_io import ENCODINGS

err = Console(stderr=True)
ENGINES = ("local", "ray")
FORMATS = ("jsonl", "parquet")


def print_report(report: BatchReport) -> None:
    m = report.manifest
    for notice in report.notices[:20]:
        err.print(f"[yellow]注意[/]: {notice}", highlight=False)
    if report.notice_count > 20:
        err.print(f"[yellow]注意[/]: 他 {report.notice_count - 20} 件 (more notices)")
    for event in report.events:
        err.print(f"[yellow]ワーカー[/]: {event}", highlight=False)
    if report.already_complete:
        err.print(f"{report.output}: この実行は完了済みです (this run is already complete)")
    c = m.counts
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(c.errors_by_type.items()))
    rate = report.this_run / report.seconds if report.seconds > 0 else 0.0
    style = "red" if c.errors else "green"
    resumed = f" (再開: 前回まで {report.resumed_records} 件)" if report.resumed_records else ""
    err.print(
        f"[{style}]{m.task}: {c.records} 件, 成功 {c.ok}, 失敗 {c.errors}[/]"
        + (f" ({kinds})" if kinds else "")
        + resumed
        + f"  [{c.records} records, {c.ok} ok, {c.errors} failed; "
        f"this run {report.this_run} records in {report.seconds:.1f} s = {rate:,.1f} records/s]",
        highlight=False,
    )
    if report.worker_peak_rss:
        peak = max(report.worker_peak_rss.values()) / MIB
        err.print(
            f"ワーカーの最大メモリ {peak:,.0f} MiB (peak worker RSS), {len(m.shards)} シャード (shards)"
        )
    err.print(f"出力 (output): {report.output}" + (f", エラー (errors): {m.errors_file}" if c.errors else ""))


def batch_command(
    task: Annotated[str, typer.Argument(help="タスク名 / task name (karte tasks)")],
    input: Annotated[
        str,
        typer.Option(
            "--input",
            "-i",
            help="入力: JSONL, .parquet, ノートのフォルダ, または store / JSONL, Parquet, folder, store",
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="出力フォルダ / output folder (shards, manifest)")
    ],
    engine: Annotated[
        str, typer.Option("--engine", help="local (プロセス) または ray / local or ray")
    ] = "local",
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, help="ワーカー数 / worker processes or actors")
    ] = 1,
    resume: Annotated[
        bool, typer.Option("--resume", help="中断した実行を続ける / continue a stopped run")
    ] = False,
    format: Annotated[
        str, typer.Option("--format", help="出力形式 / output format: jsonl, parquet")
    ] = "jsonl",
    address: Annotated[
        str | None,
        typer.Option("--address", help="Ray クラスタのアドレス / Ray cluster address (auto, ray://…)"),
    ] = None,
    input_kind: Annotated[
        str, typer.Option("--input-kind", help=f"入力の種類 / input kind: {', '.join(KINDS)}")
    ] = "auto",
    encoding: Annotated[str, typer.Option("--encoding", help="JSONL の文字コード / JSONL encoding")] = "auto",
    batch_chars: Annotated[
        int, typer.Option("--batch-chars", min=1, help="1 バッチの文字数 / characters per batch")
    ] = DEFAULT_BATCH_CHARS,
    batch_records: Annotated[
        int, typer.Option("--batch-records", min=1, help="1 バッチの最大件数 / records per batch, at most")
    ] = DEFAULT_BATCH_RECORDS,
    shard_batches: Annotated[
        int,
        typer.Option("--shard-batches", min=1, help="1 シャードのバッチ数 / batches per shard (checkpoint)"),
    ] = 20,
    max_worker_memory: Annotated[
        int | None,
        typer.Option(
            "--max-worker-memory", min=1, help="ワーカーのメモリ上限 MiB / worker RSS cap in MiB (local)"
        ),
    ] = None,
    cpus_per_worker: Annotated[
        float, typer.Option("--cpus-per-worker", help="Ray: アクター 1 つの CPU / CPUs per actor")
    ] = 1.0,
    gpus_per_worker: Annotated[
        float, typer.Option("--gpus-per-worker", help="Ray: アクター 1 つの GPU / GPUs per actor (LLM)")
    ] = 0.0,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="進捗と要約を表示しない / no progress")
    ] = False,
) -> None:
    """大量の記録にタスクを実行: シャード, チェックポイント, 再開 (a task over many records, resumable)."""
    if engine not in ENGINES:
        fail(f"--engine は {', '.join(ENGINES)} のいずれかです (unknown engine {engine!r})")
    if format not in FORMATS:
        fail(f"--format は {', '.join(FORMATS)} のいずれかです (unknown format {format!r})")
    if encoding not in ENCODINGS:
        fail(f"--encoding は {', '.join(ENCODINGS)} のいずれかです (unknown encoding {encoding!r})")
    if address and engine != "ray":
        fail("--address は --engine ray と一緒に使います (--address needs --engine ray)")
    settings = cli_settings()
    try:
        source = open_source(input, kind=input_kind, encoding=encoding, database_url=settings.database_url)
        config = BatchConfig(
            task=task,
            source=source,
            output=output,
            engine=cast(Literal["local", "ray"], engine),
            workers=workers,
            resume=resume,
            output_format=cast(Literal["jsonl", "parquet"], format),
            sizing=Sizing(batch_chars, batch_records),
            shard_batches=shard_batches,
            memory_cap_mb=max_worker_memory,
            address=address,
            cpus_per_worker=cpus_per_worker,
            gpus_per_worker=gpus_per_worker,
            settings=settings,
        )
        with BatchProgress(task, quiet=quiet) as progress:
            report = run_batch(config, on_progress=progress)
    except KarteError as exc:
        fail(escape(str(exc)))
    except KeyboardInterrupt:
        fail(
            f"中断しました。{output} の最後のチェックポイントから --resume で続けられます "
            "(interrupted: continue with --resume)",
            code=130,
        )
    if not quiet:
        print_report(report)
    if report.manifest.counts.errors:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("batch")(batch_command)
