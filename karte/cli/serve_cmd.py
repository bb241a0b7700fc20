"""``karte serve``: the REST API on 127.0.0.1 by default."""

from __future__ import annotations

from typing import Annotated

import typer

from karte.cli.common import cli_settings


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option(help="待ち受けアドレス / bind address")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="ポート / port")] = 8750,
    ) -> None:
        """REST API を起動 (serve the REST API; docs at /docs, served locally)."""
        import uvicorn

        from karte.api.app import create_app

        if host not in ("127.0.0.1", "localhost", "::1"):
            typer.echo(f"注意: {host} で待ち受けます。院内ネットワーク以外に公開しないでください。", err=True)
        uvicorn.run(create_app(cli_settings()), host=host, port=port, log_level="info")
