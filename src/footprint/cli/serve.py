"""`footprint serve`: the web application and API on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from footprint.cli.common import console, fail, settings
from footprint.config import clear_leftovers
from footprint.store import Database


def serve_command(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    tls_cert: Annotated[
        Path | None, typer.Option(help="PEM certificate: serve HTTPS (cookies then Secure)")
    ] = None,
    tls_key: Annotated[Path | None, typer.Option(help="PEM private key of --tls-cert")] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="server processes (one per core suits most)")
    ] = 1,
    access_log: Annotated[
        bool,
        typer.Option(help="log every request to standard output (reads are audited either way)"),
    ] = False,
) -> None:
    """Serve the pages and the JSON API (/api/v1, described at /api/v1/openapi.json)."""
    import uvicorn  # only this command needs the server

    if (tls_cert is None) != (tls_key is None):
        fail("--tls-cert and --tls-key go together")
    Database(settings().database_url).dispose()  # a bad setting fails here, with its message
    if settings().request_threads < 1:
        fail("setting request_threads: must be at least 1")
    left = clear_leftovers(settings())  # before any server process exists
    if left:
        console.print(f"removed {left} upload or export files a stopped server left behind")
    scheme = "https" if tls_cert else "http"
    console.print(f"footprint on {scheme}://{host}:{port}/  (Ctrl-C stops it)")
    uvicorn.run(
        "footprint.web.serving:app",  # each server process builds its own app from the settings
        factory=True,
        workers=workers,
        host=host,
        port=port,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        proxy_headers=False,  # the scheme comes from this server, not from a client's header
        server_header=False,
        log_level="info",
        access_log=access_log,  # a line per request costs more than some answers
    )
