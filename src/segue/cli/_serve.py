from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from segue.api import create_app
from segue.settings import Settings

from ._common import DataDirOption, settings_from

__all__ = ["HostOption", "PortOption", "serve", "serve_app"]

HostOption = Annotated[str, typer.Option("--host", help="Address to listen on.")]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]


def serve_app(settings: Settings, host: str, port: int) -> None:
    """Run the API and UI with uvicorn until interrupted."""
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        # Forwarded headers are trusted only from a proxy on this machine.
        forwarded_allow_ips="127.0.0.1",
        timeout_graceful_shutdown=10,
    )


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the API and the built UI (the embedded SQLite catalog is migrated first)."""
    serve_app(settings_from(data_dir), host, port)
