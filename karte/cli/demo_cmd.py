"""``karte demo``: the main job on the embedded demo data, with a summary table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        directory: Annotated[Path, typer.Option("--dir", help="出力先 / output directory")] = Path(
            "karte-demo"
        ),
    ) -> None:
        """デモ: 合成コホートを取り込み全タスクを実行 (import the synthetic cohort, run every task)."""
        from karte.demo.run import run_demo

        summary = run_demo(directory)
        console = Console()
        console.print(
            f"合成コホート (synthetic cohort): 患者 {summary.patients}, 文書 {summary.documents}, "
            f"検査 {summary.observations} → {summary.directory}"
        )
        for p in summary.import_problems:
            console.print(f"[yellow]注意[/] {p}")
        table = Table(title="Karte demo: タスク実行結果 (task results)")
        for col in ("task", "件数 records", "成功 ok", "失敗 failed", "秒 s", "件/秒 rec/s", "出力 output"):
            table.add_column(col)
        for r in summary.tasks:
            rate = f"{r.records / r.seconds:,.0f}" if r.seconds > 0 else "-"
            table.add_row(
                r.task, str(r.records), str(r.ok), str(r.failed), f"{r.seconds:.2f}", rate, r.output
            )
        console.print(table)
        if any(r.failed for r in summary.tasks):
            raise typer.Exit(code=1)
