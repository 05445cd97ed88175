"""``/metrics`` and the request-duration middleware (metric names in :mod:`segue.metrics`).

One process (``segue serve --workers 1``) exposes prometheus-client's default registry.
Several (``--workers N``) share a ``PROMETHEUS_MULTIPROC_DIR`` that the parent creates
before the workers start; every scrape then merges the files of all of them, whichever
worker answers.

    >>> app.add_middleware(RequestMetrics)  # doctest: +SKIP
    >>> app.include_router(metrics_router)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    ProcessCollector,
    generate_latest,
    start_http_server,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from segue.metrics import REQUEST_DURATION

from ._logging import ACCESS_CALLER

__all__ = [
    "METHODS",
    "STATIC",
    "UNMATCHED",
    "RequestMetrics",
    "metrics_registry",
    "metrics_router",
    "start_metrics_server",
]

#: The route label of a request that matched no route: scanners cannot add label values.
UNMATCHED = "unmatched"
#: The route label of a request answered by a mounted app: the UI's static files.
STATIC = "static"
#: Methods recorded as themselves; any other is recorded as ``other``.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# gauge_livesum_<pid>.db: the files of a gauge that sums over live processes only.
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w*?_(\d+)\.db$")
_PID = re.compile(r"_(\d+)\.db$")
_FOLLOW_PREFIX = "segue_follow_"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_access = logging.getLogger("segue.access")
_HERE = __file__


class RequestMetrics:
    """Record ``segue_http_request_duration_seconds`` for every HTTP request, give it a
    request id, and write its access line.

    A pure ASGI middleware (it is on every request): the route label is the template of
    the route that answered (``scope["route"].path`` once routing is done), never the raw
    path; ``static`` for a file of a mounted directory (a mount's routing extends
    ``root_path`` and sets no route), and ``unmatched`` for a request that matched nothing.
    The status is the one sent; 500 when the app failed before sending one.

    The request id is the client's ``X-Request-ID`` when it is well formed (1 to 128 of
    ``A-Z a-z 0-9 . _ : -``: nothing that could forge a log line), else a new one (32 hex
    digits); it is returned in ``X-Request-ID`` and is in ``scope["state"]["request_id"]``.
    The access line (logger ``segue.access``, INFO) names the route template, never the
    path, so it holds no id, token or query value.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # (route, method, status) -> the histogram's child: skips labels()' lock and checks.
        self._children: dict[tuple[str, str, int], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        root_path = scope.get("root_path", "")
        start = time.perf_counter()
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            if route is not None:
                template = getattr(route, "path", UNMATCHED)
            elif scope.get("root_path", "") != root_path:
                template = STATIC
            else:
                template = UNMATCHED
            method = scope["method"] if scope["method"] in METHODS else "other"
            self._child(template, method, status).observe(elapsed)
            if _access.isEnabledFor(logging.INFO):
                _access.handle(_access_record(method, template, status, elapsed, request_id))

    def _child(self, route: str, method: str, status: int) -> Histogram:
        key = (route, method, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = REQUEST_DURATION.labels(route, method, str(status))
        return child


def _access_record(
    method: str, template: str, status: int, elapsed: float, request_id: str
) -> logging.LogRecord:
    """The request's access line, formatted here once (no ``%`` arguments left for every
    handler to apply) and built without ``Logger.info``'s look-up of the calling frame,
    which no Segue format prints: one per request, on the hit's path (issue 20)."""
    ms = round(elapsed * 1000, 2)
    caller = ACCESS_CALLER.get()  # " platform=NAME actor=DID", or ""
    # The handlers' RedactSecrets reads the whole line as it read each argument: the
    # pieces are separated by spaces, which neither of its patterns crosses.
    message = f"{method} {template} {status} {ms:.1f}ms id={request_id}{caller}"
    extra = {
        "caller": caller.strip() or None,
        "method": method,
        "route": template,
        "status": status,
        "duration_ms": ms,
        "request_id": request_id,
    }
    return _access.makeRecord(_access.name, logging.INFO, _HERE, 0, message, (), None, extra=extra)


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = bytes(value).decode("latin-1")
            if _REQUEST_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


class _LiveMultiProcessCollector(MultiProcessCollector):
    """Merges every worker's files, first forgetting workers that have died.

    uvicorn restarts a worker that dies; without this its ``livesum`` gauge file (the
    computations it had in flight when it died) would count forever.
    """

    def collect(self) -> Iterable[Metric]:
        for path in Path(self._path).iterdir():
            found = _LIVE_GAUGE_FILE.match(path.name)
            if found is not None and not _alive(int(found.group(1))):
                # Another worker's scrape may be removing the same files right now.
                with contextlib.suppress(FileNotFoundError):
                    mark_process_dead(int(found.group(1)), self._path)  # type: ignore[no-untyped-call]
        return super().collect()  # type: ignore[no-untyped-call,no-any-return]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process now holds that pid; keep the file
    return True


class _ApiOnly:
    """The metrics of another registry or collector but ``segue follow``'s: those are
    defined in :mod:`segue.metrics` for every process, recorded only by ``segue follow``,
    and in the API's ``/metrics`` only said "0" about a process that is not there."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def collect(self) -> Iterable[Metric]:
        return [m for m in self.source.collect() if not m.name.startswith(_FOLLOW_PREFIX)]


class _WorkerProcesses:
    """``process_*`` of every live worker, labelled ``pid``, read from ``/proc`` at scrape.

    With one process prometheus-client reports its own; with ``--workers N`` its
    multi-process collector has none (a worker cannot write them to the shared files), so
    the answering process reads each worker's, the pids being those of the files.
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def collect(self) -> Iterable[Metric]:
        pids = sorted(
            {int(m.group(1)) for p in Path(self.directory).iterdir() if (m := _PID.search(p.name))}
        )
        families: dict[str, Metric] = {}
        for pid in pids:
            if not _alive(pid):
                continue
            reader = ProcessCollector(pid=functools.partial(_same, pid), registry=None)
            for metric in reader.collect():
                family = families.setdefault(
                    metric.name, Metric(metric.name, metric.documentation, metric.type)
                )
                for sample in metric.samples:
                    family.add_sample(sample.name, {**sample.labels, "pid": str(pid)}, sample.value)
        return list(families.values())


def _same(pid: int) -> int:
    return pid


def metrics_registry() -> CollectorRegistry:
    """What to expose: every worker's values merged, with each worker's ``process_*``, or
    this process's default registry; never ``segue follow``'s metrics."""
    # A fresh registry per scrape, as prometheus-client's multi-process documentation does.
    registry = CollectorRegistry(auto_describe=False)
    directory = os.environ.get(_MULTIPROC_ENV)
    if not directory:
        registry.register(_ApiOnly(REGISTRY))
        return registry
    merged = _LiveMultiProcessCollector(None, directory)  # type: ignore[no-untyped-call]
    registry.register(_ApiOnly(merged))
    registry.register(_WorkerProcesses(directory))
    return registry


metrics_router = APIRouter(tags=["operations"])


@metrics_router.get(
    "/metrics",
    summary="Prometheus metrics (text format); labels carry route templates, never ids",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
def metrics() -> Response:
    # A plain def: merging the workers' files reads from disk, so it runs in the thread pool.
    return Response(generate_latest(metrics_registry()), media_type=CONTENT_TYPE_LATEST)


def start_metrics_server(host: str, port: int, *, follow: bool = False) -> WSGIServer:
    """Serve ``/metrics`` on ``host:port`` from a daemon thread of this process; the server.

    Under ``--workers N`` this runs in the parent, which merges the workers' files.
    ``follow``: for ``segue follow``, whose own ``segue_follow_*`` the API's leaves out.

        >>> start_metrics_server("127.0.0.1", 9100).shutdown()  # doctest: +SKIP
    """
    # The multi-process collector reads the directory on every scrape: one registry will do.
    registry = REGISTRY if follow else metrics_registry()  # follow: its own, one process
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server
