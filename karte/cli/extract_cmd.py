"""``karte train ner`` (rebuild the committed extraction models) and ``karte eval extract PATH``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from karte.cli.common import EVAL_HELP, command_group, fail
from karte.errors import KarteError

# Wide enough for the 14-column confusion table when the output goes to a file or pipe.
out = Console(width=None if sys.stdout.isatty() else 180)
err = Console(stderr=True)


def train_ner_command(
    data: Annotated[list[Path], typer.Argument(help="MedTxt XML ファイル (CR-JA train, RR-JA training)")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="出力先フォルダ (既定: パッケージのモデル / package models)")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="学習文書数の上限 (smoke test)")] = None,
    evaluate: Annotated[bool, typer.Option("--eval/--no-eval", help="dev 分割で評価 (score on dev)")] = True,
) -> None:
    """NER と確信度分類器を MedTxt の train 分割で学習 (train the NER and certainty models)."""
    from karte.extract.training.build import train_models

    try:
        result = train_models(data, out_dir=out_dir, limit=limit, evaluate=evaluate)
    except KarteError as exc:
        fail(str(exc), code=1)
    out.print(
        f"NER: {result.ner.documents} 文書 {result.ner.characters:,} 文字 "
        f"{result.ner.seconds:.0f} 秒 → {result.ner.model}"
    )
    out.print(f"確信度 (certainty): {result.certainty.documents} 件 → {result.certainty.model}")
    for line in result.checksums:
        out.print(line)
    if result.report is not None:
        _print_report(result.report)


def eval_extract_command(
    path: Annotated[
        list[Path], typer.Argument(help="MedTxt XML ファイルまたはフォルダ (one or more files or folders)")
    ],
    split: Annotated[
        str,
        typer.Option(
            "--split", help="auto | dev | all (auto: 学習に使った文書は除く / skip trained-on docs)"
        ),
    ] = "auto",
    json_out: Annotated[
        Path | None, typer.Option("--json", help="結果を JSON で保存 (write the report)")
    ] = None,
    llm: Annotated[
        bool,
        typer.Option(
            "--llm", help="確信度の低い所見を LLM で見直す (review unsure certainties with the LLM)"
        ),
    ] = False,
) -> None:
    """MedTxt XML で抽出を評価: 型ごとの F1, 確信度の正解率, 混同表 (score extraction on MedTxt XML)."""
    from karte.extract.scoring import evaluate_path

    if split not in ("auto", "dev", "all"):
        fail(f"--split は auto, dev, all のいずれかです (got {split!r})")
    try:
        client = None
        if llm:
            from karte.cli.common import cli_settings
            from karte.llm import make_client

            client = make_client(cli_settings())
        run = evaluate_path(path, split=split, llm=client)
    except KarteError as exc:
        fail(str(exc), code=1)
    for p in run.problems:
        err.print(f"[yellow]注意[/] {p}")
    err.print(run.note)
    if run.review is not None:
        done = run.review
        err.print(
            f"LLM の見直し: {done.reviewed} 件を見直し、{done.changed} 件の確信度を変更 "
            f"(LLM review: reviewed {done.reviewed}, changed {done.changed})"
        )
    _print_report(run.report)
    if json_out is not None:
        json_out.write_text(
            json.dumps(run.report.model_dump(), ensure_ascii=False, indent=1), encoding="utf-8"
        )


def _print_report(report: object) -> None:
    from karte.extract.evaluate import EvaluationReport
    from karte.extract.report import attribute_table, confusion_table, type_table

    assert isinstance(report, EvaluationReport)
    out.print(type_table(report))
    out.print(attribute_table(report.certainty))
    out.print(attribute_table(report.state))
    out.print(confusion_table(report))


def register(app: typer.Typer) -> None:
    train = command_group(app, "train", "モデルの学習 (train models)")
    train.command("ner")(train_ner_command)
    evaluation = command_group(app, "eval", EVAL_HELP)
    evaluation.command("extract")(eval_extract_command)
