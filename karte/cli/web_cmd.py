"""``karte web precompute``: fill the web UI's task-result cache ahead of time (e.g. nightly)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import typer

from karte.cli.common import cli_settings, fail
from karte.errors import KarteError
from karte.records.models import Document

web_app = typer.Typer(help="Web 画面 (web UI)", no_args_is_help=True)
PURPOSES = ("sections", "entities", "codes", "deid")


def register(app: typer.Typer) -> None:
    app.add_typer(web_app, name="web")


def _batches(documents: Iterator[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for document in documents:
        batch.append(document)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@web_app.command("precompute")
def precompute(
    what: Annotated[
        list[str] | None,
        typer.Option("--what", help="sections | entities | codes | deid (繰り返し可 / repeatable)"),
    ] = None,
    patient: Annotated[list[str] | None, typer.Option(help="この患者だけ / only these patients")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="1回に処理する文書数 / documents per batch")] = 50,
) -> None:
    """画面用のタスク結果を事前計算 (run the pages' tasks over stored documents and cache the results)."""
    from karte.audit.database import open_service_engine
    from karte.tasks.context import TaskContext
    from karte.web.analysis import Analyses

    purposes = what or ["sections", "entities"]
    unknown = sorted(set(purposes) - set(PURPOSES))
    if unknown:
        fail(f"--what に使えない値: {', '.join(unknown)} (use {', '.join(PURPOSES)})")
    settings = cli_settings()
    try:
        engine = open_service_engine(settings.database_url)
        with TaskContext(settings) as ctx:
            analyses = Analyses(engine, ctx)
            missing = [p for p in purposes if analyses.spec_for(p) is None]
            if missing:
                typer.echo(f"未登録のタスク (skipped, no task registered): {', '.join(missing)}", err=True)
            if patient:
                documents: Iterator[Document] = (
                    d for pid in patient for d in ctx.store.get_patient_record(pid).documents
                )
            else:
                documents = ctx.store.iter_documents()
            done, failed = 0, 0
            for batch in _batches(documents, batch_size):
                for purpose in (p for p in purposes if p not in missing):
                    targets = [d for d in batch if purpose != "sections" or not d.sections]
                    results = analyses.results(purpose, targets) if targets else {}
                    failed += sum(1 for r in (results or {}).values() if r.error)
                done += len(batch)
                typer.echo(f"{done} 文書 (documents), 失敗 {failed}", err=True)
        engine.dispose()
    except KarteError as exc:
        fail(str(exc))
    typer.echo(f"事前計算が終わりました: {done} 文書、失敗 {failed} (precomputed)")
    if failed:
        raise typer.Exit(1)
