"""``karte import PATH`` and ``karte export --format fhir|jsonl``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from karte.cli.common import cli_settings, fail
from karte.cli.progress import DelayedProgress
from karte.errors import KarteError
from karte.records.models import PatientRecord

if TYPE_CHECKING:
    from karte.records.loaders import LoadProblem
    from karte.records.store import StoreWriteReport

err = Console(stderr=True)
MAX_PROBLEMS_SHOWN = 50


def import_path(path: Path, *, quiet: bool = False) -> tuple[StoreWriteReport, list[LoadProblem]]:
    """Load ``path`` (any supported format) into the configured store; problems are collected.

    Documents without sections get the sections the sectionizer finds.
    """
    from karte.records.loaders import LoadProblem, load_path
    from karte.records.store import open_store
    from karte.text.sections import fill_sections

    problems: list[LoadProblem] = []
    progress = DelayedProgress(f"import {path.name}", quiet=quiet)

    def records() -> Iterator[PatientRecord]:
        for item in load_path(path):
            if isinstance(item, LoadProblem):
                problems.append(item)
                progress.advance(error=item.severity == "error")
            else:
                progress.advance()
                yield fill_sections(item)

    with progress, open_store(cli_settings().database_url) as store:
        report = store.add_records(records())
    return report, problems


def print_import_report(report: StoreWriteReport, problems: list[LoadProblem]) -> None:
    for p in problems[:MAX_PROBLEMS_SHOWN]:
        style = "red" if p.severity == "error" else "yellow"
        label = "エラー" if p.severity == "error" else "注意"
        err.print(f"[{style}]{label}[/] {p.describe()}", highlight=False)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        err.print(
            f"… 他 {len(problems) - MAX_PROBLEMS_SHOWN} 件 (and {len(problems) - MAX_PROBLEMS_SHOWN} more)"
        )
    for e in report.errors:
        err.print(f"[red]エラー[/] patient {e.id}: {e.error.message}", highlight=False)
    n_errors = sum(p.severity == "error" for p in problems) + len(report.errors)
    err.print(
        f"取り込み: 患者 {report.patients}, 文書 {report.documents}, 検査 {report.observations}, "
        f"薬剤 {report.medications}, アレルギー {report.allergies}, 病名 {report.conditions}; "
        f"エラー {n_errors}, 注意 {sum(p.severity == 'warning' for p in problems)}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        path: Annotated[
            Path, typer.Argument(help="JSONL, FHIR (.json/.ndjson), MedTxt XML, テキストのフォルダ")
        ],
        quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    ) -> None:
        """記録を取り込む (import records into the store: JSONL, FHIR R4, MedTxt XML, a folder of notes)."""
        if not path.exists():
            fail(f"{path} がありません (not found)")
        try:
            report, problems = import_path(path, quiet=quiet)
        except KarteError as exc:
            fail(str(exc))
        print_import_report(report, problems)
        if report.errors or any(p.severity == "error" for p in problems):
            raise typer.Exit(code=1)

    @app.command("export")
    def export(
        format: Annotated[
            str, typer.Option("--format", "-f", help="jsonl | fhir (FHIR R4 Bundle, 1行1患者)")
        ] = "jsonl",
        output: Annotated[str, typer.Option("--output", "-o", help="出力先 (- は標準出力)")] = "-",
        patient: Annotated[list[str] | None, typer.Option("--patient", "-p", help="患者 id (複数可)")] = None,
    ) -> None:
        """記録を書き出す (export stored records as Karte JSONL or FHIR R4 Bundles, one per line)."""
        from karte.records.export import to_fhir_ndjson, to_jsonl
        from karte.records.store import open_store

        writers = {"jsonl": to_jsonl, "fhir": to_fhir_ndjson}
        if format not in writers:
            fail(f"--format は jsonl か fhir です (unknown format {format!r})")
        try:
            with open_store(cli_settings().database_url) as store:
                records: Iterator[PatientRecord] = (
                    (store.get_patient_record(p) for p in patient)
                    if patient
                    else store.iter_patient_records()
                )
                if output == "-":
                    writers[format](records, sys.stdout)
                else:
                    Path(output).parent.mkdir(parents=True, exist_ok=True)
                    with open(output, "w", encoding="utf-8", newline="\n") as fh:
                        writers[format](records, fh)
        except KarteError as exc:
            fail(str(exc))
