"""``karte trial compile|report|decide|decisions``, ``karte screen --trial`` and ``karte eval screen``."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from karte.cli.common import EVAL_HELP, cli_settings, command_group, fail
from karte.cli.run_cmd import EncodingOpt, InputOpt, OutputOpt, QuietOpt, print_summary
from karte.errors import KarteError
from karte.tasks.jsonl_io import ENCODINGS, ParsedLine, dump_line, parse_jsonl

err = Console(stderr=True)
TrialOpt = Annotated[Path, typer.Option("--trial", "-t", help="試験定義 (YAML/JSON) / trial file")]
NoLlmOpt = Annotated[bool, typer.Option("--no-llm", help="LLM を使わない / rules only")]


def _llm_client(no_llm: bool) -> Any:
    if no_llm:
        return None
    from karte.llm import LLMError, make_client

    try:
        return make_client(cli_settings())
    except LLMError as exc:
        err.print(f"[yellow]注意[/]: LLM を使えません ({exc.message}); 規則のみで解析します", highlight=False)
        return None


def compile_command(
    trial: Annotated[Path, typer.Argument(help="試験定義 (YAML/JSON) / trial file")],
    save: Annotated[
        bool, typer.Option("--save", help="trial.compiled.yaml に保存 / save next to it")
    ] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="保存先 / where to save")] = None,
    fmt: Annotated[str, typer.Option("--format", help="yaml | json")] = "yaml",
    no_llm: NoLlmOpt = False,
) -> None:
    """基準をチェック可能な形にコンパイルして表示・保存 (compile criteria; edit the result and reuse it)."""
    from karte.screening.compiler import compile_trial
    from karte.screening.trial_io import compiled_path, dump_trial, load_trial, save_trial

    if fmt not in ("yaml", "json"):
        fail("--format は yaml か json です (format must be yaml or json)")
    try:
        compiled = compile_trial(load_trial(trial), _llm_client(no_llm))
    except KarteError as exc:
        fail(str(exc))
    if save or output is not None:
        target = save_trial(compiled, output or compiled_path(trial))
        err.print(
            f"保存しました (saved): {target}  — 編集して --trial に指定できます (edit and pass to --trial)"
        )
    else:
        typer.echo(dump_trial(compiled, fmt), nl=False)


def _cohort_items() -> Iterator[ParsedLine]:
    from karte.records.store import open_store

    with open_store(cli_settings().database_url) as store:
        ids = store.patient_ids()
    for n, pid in enumerate(ids, 1):
        yield ParsedLine(n, value={"id": pid, "patient_id": pid})


def _with_date(items: Iterator[ParsedLine], when: dt.date | None) -> Iterator[ParsedLine]:
    for item in items:
        if when is not None and isinstance(item.value, dict):
            item.value.setdefault("screening_date", when.isoformat())
        yield item


def screen_command(
    trial: TrialOpt,
    input: InputOpt = "-",
    output: OutputOpt = "-",
    cohort: Annotated[bool, typer.Option("--cohort", help="保存済みの全患者 / every stored patient")] = False,
    date: Annotated[str | None, typer.Option("--date", help="判定日 YYYY-MM-DD / screening date")] = None,
    no_llm: NoLlmOpt = False,
    max_llm_calls: Annotated[int, typer.Option("--max-llm-calls", help="患者あたり LLM 呼び出し上限")] = 1,
    llm_always: Annotated[
        bool,
        typer.Option("--llm-always", help="他の基準が未確定でも LLM に問う / ask even when it cannot decide"),
    ] = False,
    attributes: Annotated[
        str, typer.Option("--attributes", help="rules | extractor (確信度の判定)")
    ] = "rules",
    html: Annotated[Path | None, typer.Option("--html", help="HTML レポート / HTML report")] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="CSV レポート / CSV report")] = None,
    quiet: QuietOpt = False,
    encoding: EncodingOpt = "auto",
) -> None:
    """治験候補のスクリーニング (screen patients: {"id","text"} or {"id","patient_id"} lines, or --cohort)."""
    from karte.cli.progress import DelayedProgress
    from karte.cli.run_cmd import _open_input, _open_output
    from karte.screening.models import ScreenResult
    from karte.screening.report import render_csv, render_html
    from karte.screening.service import ScreenOptions
    from karte.screening.trial_io import load_trial
    from karte.tasks.context import TaskContext
    from karte.tasks.registry import get_task
    from karte.tasks.runner import RunSummary, run_task
    from karte.tasks.screen_task import OPTIONS_RESOURCE, TRIAL_RESOURCE, screener_for

    if encoding not in ENCODINGS:
        fail(f"--encoding は {', '.join(ENCODINGS)} のいずれかです (unknown encoding {encoding!r})")
    if attributes not in ("rules", "extractor"):
        fail("--attributes は rules か extractor です")
    try:
        when = dt.date.fromisoformat(date) if date else None
    except ValueError:
        fail(f"--date は YYYY-MM-DD です: {date!r} (bad date)")
    options = ScreenOptions(
        use_llm=not no_llm,
        max_llm_calls_per_patient=max_llm_calls,
        attributes="extractor" if attributes == "extractor" else "rules",
        llm_only_if_decisive=not llm_always,
    )
    spec = get_task("screen")
    summary = RunSummary(spec.name)
    results: list[ScreenResult] = []
    try:
        loaded = load_trial(trial)
        with contextlib.ExitStack() as stack, _open_output(output) as out, TaskContext(cli_settings()) as ctx:
            ctx.resource(TRIAL_RESOURCE, lambda: loaded)
            ctx.resource(OPTIONS_RESOURCE, lambda: options)
            screener = screener_for(loaded, ctx)
            with DelayedProgress(spec.name, None, quiet=quiet) as progress:
                if cohort:
                    items = _cohort_items()
                else:
                    fh = stack.enter_context(_open_input(input))
                    items = parse_jsonl(fh, encoding=encoding)
                for result in run_task(spec, _with_date(items, when), ctx, summary):
                    out.write(dump_line(result) + "\n")
                    progress.advance(error="error" in result)
                    if "error" not in result and (html or csv_path):
                        results.append(_as_result(result))
            if not quiet:
                per = screener.llm_calls / screener.patients if screener.patients else 0.0
                err.print(f"LLM 呼び出し {screener.llm_calls} 回 / {screener.patients} 名 = {per:.3f} 回/名")
        if html or csv_path:
            decisions = _decisions(loaded.id)
            if html:
                html.write_text(render_html(screener.trial, results, decisions), encoding="utf-8")
            if csv_path:
                csv_path.write_text(render_csv(screener.trial, results, decisions), encoding="utf-8")
    except KarteError as exc:
        fail(str(exc))
    if not quiet:
        print_summary(summary)
    if summary.failed:
        raise typer.Exit(code=1)


def _as_result(line: dict[str, Any]) -> Any:
    from karte.screening.models import ScreenResult

    return ScreenResult(
        patient_id=str(line["id"]),
        trial_id=line["trial_id"],
        screening_date=line["screening_date"],
        eligible=line["eligible"],
        score=line["score"],
        criteria=line["criteria"],
        llm_calls=line.get("llm_calls", 0),
        notes=line.get("notes", []),
    )


def _decisions(trial_id: str) -> dict[str, Any]:
    from karte.screening.review import current_decisions

    try:
        return current_decisions(cli_settings(), trial_id)
    except KarteError:
        return {}  # an in-memory database has no decisions


def report_command(
    results: Annotated[Path, typer.Argument(help="karte screen の出力 JSONL / screening results")],
    trial: TrialOpt,
    html: Annotated[Path | None, typer.Option("--html", help="HTML レポート")] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="CSV レポート")] = None,
) -> None:
    """結果 JSONL から順位付きレポートを作成 (ranked HTML/CSV report from screening results)."""
    from karte.screening.compiler import compile_trial
    from karte.screening.report import render_csv, render_html
    from karte.screening.trial_io import load_trial

    if html is None and csv_path is None:
        fail("--html か --csv を指定してください (give --html and/or --csv)")
    try:
        compiled = compile_trial(load_trial(trial))
        with results.open("rb") as fh:
            lines = [p.value for p in parse_jsonl(fh) if isinstance(p.value, dict) and "error" not in p.value]
        parsed = [_as_result(v) for v in lines if v.get("trial_id") == compiled.id]
        decisions = _decisions(compiled.id)
        if html:
            html.write_text(render_html(compiled, parsed, decisions), encoding="utf-8")
        if csv_path:
            csv_path.write_text(render_csv(compiled, parsed, decisions), encoding="utf-8")
    except (KarteError, OSError) as exc:
        fail(str(exc))
    err.print(f"{len(parsed)} 名のレポートを作成しました (report written)")


def decide_command(
    trial_id: Annotated[str, typer.Argument(help="試験 ID")],
    patient_id: Annotated[str, typer.Argument(help="患者 ID")],
    decision: Annotated[str, typer.Argument(help="accept | reject")],
    reviewer: Annotated[str | None, typer.Option("--reviewer", "--by", help="確認者 / who decides")] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="コメント")] = None,
) -> None:
    """候補の採否を記録（誰が・いつ） (record a coordinator's accept/reject, with who and when)."""
    from karte.screening.review import default_reviewer, record_decision

    try:
        d = record_decision(
            cli_settings(),
            trial_id=trial_id,
            patient_id=patient_id,
            decision=decision,
            reviewer=reviewer or default_reviewer(),
            comment=comment,
        )
    except KarteError as exc:
        fail(str(exc))
    typer.echo(f"{d.subject} {d.item}: {d.decision} by {d.actor} at {d.at.isoformat()}")


def decisions_command(
    trial_id: Annotated[str, typer.Argument(help="試験 ID")],
    history: Annotated[bool, typer.Option("--history", help="全履歴 / every decision")] = False,
) -> None:
    """記録された採否の一覧 (list the decisions on a trial's candidates, as JSONL)."""
    from karte.screening.review import current_decisions, decision_history

    try:
        rows = (
            decision_history(cli_settings(), trial_id)
            if history
            else list(current_decisions(cli_settings(), trial_id).values())
        )
    except KarteError as exc:
        fail(str(exc))
    for d in rows:
        typer.echo(dump_line(d.model_dump(mode="json")))


def eval_screen_command(
    cohort: Annotated[Path, typer.Argument(help="FHIR コホート (../shared/data/cohort)")],
    mode: Annotated[str, typer.Option("--mode", help="record | notes | both")] = "both",
    no_llm: NoLlmOpt = False,
    limit: Annotated[int | None, typer.Option("--limit", help="患者数の上限 / first N patients")] = None,
    errors: Annotated[int, typer.Option("--errors", help="表示する誤り例の数")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON で出力")] = False,
) -> None:
    """開発セットで評価: 基準正解率・適格者の再現率・候補リストの割合・LLM 呼び出し回数."""
    from karte.records.loaders import load_path
    from karte.records.models import PatientRecord
    from karte.screening.devset import trial_paths
    from karte.screening.devset.fhir_gold import gold_labels
    from karte.screening.evaluate import Mode, evaluate, format_report
    from karte.screening.service import Screener, ScreenOptions
    from karte.screening.trial_io import load_trial

    if mode not in ("record", "notes", "both"):
        fail("--mode は record, notes, both のいずれかです")
    if not cohort.is_dir():
        fail(f"{cohort} がありません (cohort folder not found)")
    settings = cli_settings()
    gold = gold_labels(cohort)
    records = [
        r
        for r in load_path(cohort / "patients" if (cohort / "patients").is_dir() else cohort)
        if isinstance(r, PatientRecord)
    ][:limit]
    screeners = [
        Screener.open(load_trial(p), settings, ScreenOptions(use_llm=not no_llm)) for p in trial_paths()
    ]
    modes: list[Mode] = ["record", "notes"] if mode == "both" else ["notes" if mode == "notes" else "record"]
    reports = [evaluate(screeners, records, gold, m) for m in modes]
    if as_json:
        payload = [
            {
                "mode": r.mode,
                "seconds": r.seconds,
                "trials": [
                    {
                        "trial": s.trial_id,
                        "patients": s.patients,
                        "criterion_accuracy": s.accuracy,
                        "recall": s.recall,
                        "list_share": s.list_share,
                        "llm_calls": s.llm_calls,
                    }
                    for s in [*r.trials, r.total()]
                ],
            }
            for r in reports
        ]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for r in reports:
        typer.echo(format_report(r))
        for line in r.total().errors[:errors]:
            typer.echo(f"  {line}")


def register(app: typer.Typer) -> None:
    trial = command_group(
        app, "trial", "治験の試験定義とスクリーニング結果 (trials: compile, report, review)"
    )
    trial.command("compile")(compile_command)
    trial.command("report")(report_command)
    trial.command("decide")(decide_command)
    trial.command("decisions")(decisions_command)
    app.command("screen")(screen_command)
    command_group(app, "eval", EVAL_HELP).command("screen")(eval_screen_command)
