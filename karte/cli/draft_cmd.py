"""``karte draft`` (JSONL or stored patients → JSON, Markdown, HTML or FHIR) and ``karte eval draft``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from karte.cli.common import EVAL_HELP, cli_settings, command_group, fail
from karte.cli.run_cmd import EncodingOpt, QuietOpt, print_summary
from karte.errors import KarteError
from karte.tasks.jsonl_io import ENCODINGS, ParsedLine, dump_line, parse_jsonl, parse_objects

FORMATS = ("json", "md", "html", "fhir")
TYPES = ("discharge_summary", "referral_letter", "patient_advice")
out = Console()
err = Console(stderr=True)


def _with_defaults(items: Iterator[ParsedLine], defaults: dict[str, Any]) -> Iterator[ParsedLine]:
    for item in items:
        if isinstance(item.value, dict):
            for key, value in defaults.items():
                item.value.setdefault(key, value)
        yield item


def _render(result: dict[str, Any], fmt: str) -> str:
    from karte.drafting.render_html import render_html
    from karte.drafting.render_md import render_markdown
    from karte.tasks.draft_task import DraftOutput

    output = DraftOutput.model_validate(result)
    sources = {s.id: s for s in output.sources}
    if fmt == "md":
        return render_markdown(output.draft(), sources)
    if fmt == "html":
        return render_html(output.draft(), sources)
    return json.dumps(output.fhir, ensure_ascii=False, indent=1)


def _write(results: list[dict[str, Any]], fmt: str, output: str) -> None:
    """md, html and fhir: one document per draft (a folder when there are several and output is a folder)."""
    ok = [r for r in results if "error" not in r]
    suffix = {"md": ".md", "html": ".html", "fhir": ".json"}[fmt]
    target = Path(output) if output != "-" else None
    if target is not None and (target.is_dir() or (len(ok) > 1 and not target.suffix)):
        target.mkdir(parents=True, exist_ok=True)
        for r in ok:
            (target / f"{r['id']}{suffix}").write_text(_render(r, fmt), encoding="utf-8")
        return
    separator = {"md": "\n\n---\n\n", "html": "\n", "fhir": "\n"}[fmt]
    if fmt == "fhir" and len(ok) > 1:
        text = "\n".join(json.dumps(_fhir_of(r), ensure_ascii=False) for r in ok) + "\n"
    else:
        text = separator.join(_render(r, fmt) for r in ok)
    if target is None:
        typer.echo(text)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _fhir_of(result: dict[str, Any]) -> Any:
    return result.get("fhir")


def draft_command(
    patient: Annotated[
        list[str] | None,
        typer.Option("--patient", "-p", help="保存済み患者の ID（複数可）/ stored patient id"),
    ] = None,
    document_type: Annotated[
        str, typer.Option("--type", "-t", help="discharge_summary | referral_letter | patient_advice")
    ] = "discharge_summary",
    input: Annotated[
        str | None,
        typer.Option("--input", "-i", help="入力 JSONL (- は標準入力) / input JSONL instead of --patient"),
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="出力先 (- は標準出力; 複数の md/html はフォルダ)")
    ] = "-",
    fmt: Annotated[str, typer.Option("--format", "-f", help="json | md | html | fhir")] = "json",
    mode: Annotated[str, typer.Option("--mode", help="auto | extractive | llm")] = "auto",
    to: Annotated[
        str | None, typer.Option("--to", help="紹介先医療機関 / recipient (referral letters)")
    ] = None,
    purpose: Annotated[
        str | None, typer.Option("--purpose", help="紹介目的 / purpose of the referral")
    ] = None,
    exclude_type: Annotated[
        list[str] | None, typer.Option("--exclude-type", help="使わない文書の種類（例: 退院時サマリー）")
    ] = None,
    remove_unsupported: Annotated[
        bool, typer.Option("--remove-unsupported", help="根拠のない文を削除（既定: 印を付けて残す）")
    ] = False,
    quiet: QuietOpt = False,
    encoding: EncodingOpt = "auto",
) -> None:
    """文書の下書きを作成 (draft a discharge summary, referral letter or patient advice, cited)."""
    from karte.cli.run_cmd import _open_input
    from karte.tasks.context import TaskContext
    from karte.tasks.registry import get_task
    from karte.tasks.runner import RunSummary, run_task

    if fmt not in FORMATS:
        fail(f"--format は {', '.join(FORMATS)} のいずれかです (unknown format {fmt!r})")
    if document_type not in TYPES:
        fail(f"--type は {', '.join(TYPES)} のいずれかです (unknown document type {document_type!r})")
    if encoding not in ENCODINGS:
        fail(f"--encoding は {', '.join(ENCODINGS)} のいずれかです (unknown encoding {encoding!r})")
    if bool(patient) == bool(input):
        fail("--patient か --input のどちらか一方を指定してください (give --patient or --input)")
    defaults: dict[str, Any] = {"document_type": document_type, "mode": mode}
    if exclude_type:
        defaults["exclude_document_types"] = exclude_type
    if remove_unsupported:
        defaults["on_unsupported"] = "remove"
    if to or purpose:
        defaults["to"] = {k: v for k, v in (("institution", to), ("purpose", purpose)) if v}
    spec = get_task("draft")
    summary = RunSummary(spec.name)
    results: list[dict[str, Any]] = []
    try:
        with TaskContext(cli_settings()) as ctx:
            if patient:
                items = parse_objects({"id": f"{p}-{document_type}", "patient_id": p} for p in patient)
                items = _with_defaults(items, defaults)
                results = list(run_task(spec, items, ctx, summary))
            else:
                assert input is not None
                with _open_input(input) as fh:
                    items = _with_defaults(parse_jsonl(fh, encoding=encoding), defaults)
                    results = list(run_task(spec, items, ctx, summary))
        for r in results:
            if "error" in r:
                err.print(f"[red]エラー[/] {r.get('id')}: {r['error'].get('message')}", highlight=False)
        if fmt == "json":
            text = "".join(dump_line(r) + "\n" for r in results)
            if output == "-":
                typer.echo(text, nl=False)
            else:
                Path(output).parent.mkdir(parents=True, exist_ok=True)
                Path(output).write_text(text, encoding="utf-8")
        else:
            _write(results, fmt, output)
    except KarteError as exc:
        fail(str(exc))
    if not quiet:
        print_summary(summary)
    if summary.failed:
        raise typer.Exit(code=1)


def eval_draft_command(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="患者 JSONL（既定: 同梱の合成コホート）/ PatientRecord JSONL"),
    ] = None,
    mode: Annotated[str, typer.Option("--mode", help="extractive | llm")] = "extractive",
    sources: Annotated[str, typer.Option("--sources", help="chart（記録全体）| notes（文書のみ）")] = "chart",
    limit: Annotated[int | None, typer.Option("--limit", help="先頭 N 人だけ評価")] = None,
    json_out: Annotated[Path | None, typer.Option("--json-out", help="結果を JSON で保存")] = None,
) -> None:
    """文書下書きの評価 (section completeness, unsupported facts, key-fact recall, guard catch rate)."""
    from karte.demo.run import cohort_path
    from karte.drafting.evaluate import Evaluation
    from karte.drafting.service import make_drafter
    from karte.records.loaders import LoadProblem, load_path

    if mode not in ("extractive", "llm") or sources not in ("chart", "notes"):
        fail("--mode は extractive|llm、--sources は chart|notes です (bad option)")
    settings = cli_settings()
    records = []
    try:
        for item in load_path(data or cohort_path()):
            if isinstance(item, LoadProblem):
                err.print(f"[yellow]読み込めない記録[/]: {item.describe()}")
            else:
                records.append(item)
        drafter = make_drafter(settings)
        evaluation = Evaluation(
            drafter,
            drafter.lexicon,
            mode="llm" if mode == "llm" else "extractive",
            sources="notes" if sources == "notes" else "chart",
            progress=lambda pid: err.print(f"  {pid}", end="") if mode == "llm" else None,
        )
        report = evaluation.run(records[:limit] if limit else records)
    except KarteError as exc:
        fail(str(exc))
    table = Table(title=f"draft eval ({report.patients} patients, {report.mode}, sources={report.sources})")
    for col in (
        "document",
        "drafts",
        "sections",
        "unsupported",
        "unflagged",
        "dx recall",
        "rx recall",
        "recall",
        "s/draft",
    ):
        table.add_column(col)
    for name, r in report.types.items():
        mean = sum(r.seconds) / max(1, len(r.seconds))
        table.add_row(
            name,
            str(r.drafts),
            f"{r.sections.value:.3f} ({r.sections.hit}/{r.sections.total})",
            f"{r.unsupported.value:.4f} ({r.unsupported.hit}/{r.unsupported.total})"
            if r.unsupported.total
            else "0",
            str(r.unflagged),
            f"{r.diagnoses.value:.3f} ({r.diagnoses.hit}/{r.diagnoses.total})",
            f"{r.medications.value:.3f} ({r.medications.hit}/{r.medications.total})",
            f"{r.recall:.3f}",
            f"{mean:.3f}",
        )
    out.print(table)
    caught = ", ".join(f"{k} {v.hit}/{v.total}" for k, v in report.guard.items())
    out.print(f"guard: 注入した誤りの検出率 {report.guard_rate:.3f} ({caught}) (injected faults caught)")
    out.print(f"reference: {report.reference} (key facts from the own discharge summary / from the chart)")
    if json_out is not None:
        payload = report.model_dump()
        payload["guard_rate"] = report.guard_rate
        json_out.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


def register(app: typer.Typer) -> None:
    app.command("draft")(draft_command)
    command_group(app, "eval", EVAL_HELP).command("draft")(eval_draft_command)
