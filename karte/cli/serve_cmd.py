"""``karte serve``: the REST API and the web UI on 127.0.0.1 by default."""

from __future__ import annotations

from typing import Annotated

import typer

from karte.cli.common import cli_settings, fail

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option(help="待ち受けアドレス / bind address")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="ポート / port")] = 8750,
        db: Annotated[
            str | None,
            typer.Option("--db", help="データベース URL / database URL (KARTE_DB); migrated on start"),
        ] = None,
        auth: Annotated[
            str | None,
            typer.Option(
                help="required | none (none: 開発用、ループバックのみ / development, loopback only)"
            ),
        ] = None,
    ) -> None:
        """REST API と Web 画面を起動 (serve the REST API and web UI; docs at /docs, served locally)."""
        import uvicorn

        from karte.api.app import create_app
        from karte.errors import KarteError

        settings = cli_settings()
        overrides = {k: v for k, v in {"db": db, "auth": auth}.items() if v is not None}
        if overrides:
            settings = settings.model_copy(update=overrides)
        if settings.auth not in ("required", "none"):
            fail(f"--auth は required か none です: {settings.auth!r} (invalid auth mode)")
        if settings.auth == "none" and host not in LOOPBACK:
            fail(
                f"認証なし (auth=none) はループバックでのみ使えます: {host}"
                " (auth=none is only allowed on loopback)"
            )
        if host not in LOOPBACK:
            typer.echo(f"注意: {host} で待ち受けます。院内ネットワーク以外に公開しないでください。", err=True)
        try:
            application = create_app(settings)
        except KarteError as exc:
            fail(str(exc))
        if application.state.karte_web.users.count() == 0:
            typer.echo(
                "利用者がいません。最初の管理者を作成してください: karte users add NAME --role admin"
                " (no users yet)",
                err=True,
            )
        uvicorn.run(application, host=host, port=port, log_level="info")
