"""``karte audit verify`` and ``karte audit show``: check and read the hash-chained audit log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from karte.cli.common import cli_settings, fail
from karte.errors import KarteError

if TYPE_CHECKING:
    from karte.audit import AuditLog

audit_app = typer.Typer(help="監査ログ (audit log)", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


def _log() -> AuditLog:
    from karte.audit import AuditLog
    from karte.audit.database import open_service_engine

    return AuditLog(open_service_engine(cli_settings().database_url))


def _read_anchor(path: Path) -> tuple[int, str] | None:
    if not path.exists():
        return None
    try:
        seq, digest = path.read_text(encoding="utf-8").split()[:2]
        return int(seq), digest
    except (ValueError, OSError) as exc:
        fail(f"アンカーファイル {path} を読めません: {exc} (cannot read the anchor file)")


@audit_app.command("verify")
def verify(
    anchor: Annotated[
        Path | None,
        typer.Option(
            help="前回の先頭 (行番号とハッシュ) を記録するファイル。あれば照合し、最後に更新する "
            "/ file keeping the last verified head: checked, then updated"
        ),
    ] = None,
) -> None:
    """ハッシュチェーンを検証 (verify the hash chain; exit 1 when it is broken)."""
    try:
        log = _log()
        report = log.verify(_read_anchor(anchor) if anchor else None)
    except KarteError as exc:
        fail(str(exc))
    if not report.ok:
        for problem in report.problems:
            typer.echo(f"改ざんの可能性: {problem}", err=True)
        typer.echo(
            f"監査ログの検証に失敗しました ({report.rows} 行) (audit log verification FAILED)", err=True
        )
        raise typer.Exit(1)
    typer.echo(f"監査ログ OK: {report.rows} 行、先頭 #{report.head_seq} {report.head_hash}")
    if anchor is not None:
        anchor.write_text(f"{report.head_seq} {report.head_hash}\n", encoding="utf-8")


@audit_app.command("show")
def show(
    last: Annotated[int, typer.Option(help="新しい順に何件 / how many, newest first")] = 50,
    actor: Annotated[str | None, typer.Option(help="利用者 / only this actor")] = None,
    patient: Annotated[str | None, typer.Option(help="患者ID / only this patient")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines で出力 / JSON lines")] = False,
) -> None:
    """監査ログを表示 (show audit events)."""
    try:
        events = _log().recent(last, actor=actor, patient_id=patient)
    except KarteError as exc:
        fail(str(exc))
    for event in events:
        if as_json:
            typer.echo(json.dumps(event.model_dump(), ensure_ascii=False))
        else:
            detail = json.dumps(event.detail, ensure_ascii=False)
            typer.echo(
                f"{event.seq}\t{event.at}\t{event.actor}\t{event.action}\t{event.outcome}\t"
                f"{event.target or ''}\t{event.patient_id or ''}\t{event.ip or ''}\t{detail}"
            )
