"""``segue serve``: the API, the UI and ``/metrics`` under uvicorn, in one or more processes."""

from __future__ import annotations

from typing import Annotated, Any

import typer
import uvicorn

from segue._runtime import serving_collector
from segue.api import create_app, log_config, start_metrics_server
from segue.errors import Misconfigured
from segue.settings import Settings

from ._common import err_console, exit_on_error, run, settings_from
from ._options import DataDirOption, option_no_default
from ._supervisor import WorkersFailed, run_workers
from ._workers import (
    WORKER_APP,
    default_workers,
    export_settings,
    migrate_embedded,
    multiprocess_dir,
)

__all__ = [
    "UVICORN_OPTIONS",
    "HostOption",
    "PortOption",
    "serve",
    "serve_app",
    "start_metrics_listener",
    "uvicorn_options",
]

HostOption = Annotated[
    str | None,
    option_no_default(
        "--host", help="Address to listen on (overrides SEGUE_HOST; default 127.0.0.1)."
    ),
]
PortOption = Annotated[
    int | None,
    option_no_default(
        "--port", min=1, max=65535, help="Port to listen on (overrides SEGUE_PORT; default 8000)."
    ),
]
WorkersOption = Annotated[
    int | None,
    option_no_default(
        "--workers",
        min=1,
        help="Processes serving the API (overrides SEGUE_WORKERS; default: one per usable core).",
    ),
]
MetricsPortOption = Annotated[
    int | None,
    option_no_default(
        "--metrics-port",
        min=1,
        max=65535,
        help="Serve /metrics only on this port, on --metrics-host, not on --port "
        "(overrides SEGUE_METRICS_PORT; default: on --port).",
    ),
]
MetricsHostOption = Annotated[
    str | None,
    option_no_default(
        "--metrics-host",
        help="Address of the --metrics-port listener (overrides SEGUE_METRICS_HOST; "
        "default 127.0.0.1).",
    ),
]

# How every Segue server runs uvicorn (`segue serve`, `segue demo`): forwarded headers are
# trusted only from a proxy on this machine; a stop waits this long for requests in flight;
# no log line carries a query value or a token (segue.api.log_config); Segue writes the
# access lines itself (route template, duration, request id), so uvicorn's are off.
UVICORN_OPTIONS: dict[str, Any] = {
    "access_log": False,
    "forwarded_allow_ips": "127.0.0.1",
    "timeout_graceful_shutdown": 10,
}


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """:data:`UVICORN_OPTIONS` with the logging of ``SEGUE_LOG_LEVEL`` and ``SEGUE_LOG_FORMAT``."""
    level, fmt = settings.log_level.value, settings.log_format.value
    return {**UVICORN_OPTIONS, "log_level": level, "log_config": log_config(level, fmt)}


# A worker answers the supervisor's health check only once it has imported Segue. That took
# 12 s on a busy 2-core machine, and at uvicorn's default of 5 s the supervisor killed and
# restarted workers that were still starting, again and again. A hung worker is found later.
_WORKER_HEALTHCHECK_SECONDS = 60
# uvicorn's exit code for a server that failed its start.
_STARTUP_FAILURE = 3


def serve_app(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Run the API and UI with uvicorn until interrupted, in ``workers`` processes.

    One worker serves from this process, as before. Several: the embedded catalog is
    migrated here first, then uvicorn's supervisor runs them (``segue.cli._workers``).
    """
    # Once, here, before any worker: the embedded catalog migrated, a shared one checked.
    run(migrate_embedded(settings))
    if workers == 1:
        start_metrics_listener(settings)
        serving_collector()
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            **uvicorn_options(settings),
        )
        return
    export_settings(settings)
    with multiprocess_dir():
        start_metrics_listener(settings)  # in this process, merging the workers' files
        config = uvicorn.Config(
            WORKER_APP,
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=_WORKER_HEALTHCHECK_SECONDS,
            host=host,
            port=port,
            **uvicorn_options(settings),
        )
        try:
            run_workers(config)
        except WorkersFailed as exc:
            # The same exit code as one worker failing its start (uvicorn's 3).
            err_console().print(
                f"[red]error:[/red] a worker failed to start (exit code {exc.exitcode}; its "
                "reason is logged above): every worker was stopped",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(_STARTUP_FAILURE) from None


def start_metrics_listener(settings: Settings, *, follow: bool = False) -> None:
    """Serve /metrics on ``SEGUE_METRICS_PORT`` from this process, when it is set
    (``follow``: ``segue follow``'s metrics, which the API's leave out)."""
    if settings.metrics_port is None:
        return
    with exit_on_error():
        try:
            start_metrics_server(settings.metrics_host, settings.metrics_port, follow=follow)
        except OSError as exc:
            raise Misconfigured(
                f"cannot serve /metrics on {settings.metrics_host}:{settings.metrics_port}: {exc}"
            ) from None


def serve(
    host: HostOption = None,
    port: PortOption = None,
    workers: WorkersOption = None,
    metrics_port: MetricsPortOption = None,
    metrics_host: MetricsHostOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the API, the built UI and /metrics (the embedded SQLite catalog is migrated first).

    With several workers, the processes share the port and the memory-mapped index, and
    each has its own database pool: total connections = workers x (pool size + max
    overflow). SIGTERM or SIGINT stops them all. See docs/operations.md.
    """
    settings = settings_from(
        data_dir,
        host=host,
        port=port,
        workers=workers,
        metrics_port=metrics_port,
        metrics_host=metrics_host,
    )
    serve_app(settings, settings.host, settings.port, settings.workers or default_workers())
