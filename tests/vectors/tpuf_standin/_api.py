from __future__ import annotations

import asyncio
import gzip
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx2

from ._errors import ApiError, reject
from ._namespace import Namespace, apply_write
from ._query import run_multi_query, run_single

__all__ = ["Recorded", "TurbopufferStandin"]

_NS = r"(?P<ns>[^/]+)"
_ROUTES = [
    ("POST", re.compile(rf"^/v2/namespaces/{_NS}$"), "write"),
    ("POST", re.compile(rf"^/v2/namespaces/{_NS}/query$"), "query"),
    ("GET", re.compile(rf"^/v2/namespaces/{_NS}/metadata$"), "metadata"),
    ("GET", re.compile(rf"^/v1/namespaces/{_NS}/schema$"), "schema"),
    ("DELETE", re.compile(rf"^/v2/namespaces/{_NS}$"), "delete_all"),
    ("GET", re.compile(rf"^/v1/namespaces/{_NS}/hint_cache_warm$"), "hint_cache_warm"),
]
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")  # "must match [A-Za-z0-9-_.]{1,128}"


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python's json accepts NaN; JSON does not


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request as the stand-in saw it (``body`` parsed, when it was JSON)."""

    method: str
    path: str
    status: int
    body_bytes: int
    body: Any = None
    #: bytes of the JSON answer (what a query returns is what turbopuffer bills for)
    response_bytes: int = 0


@dataclass
class _Fault:
    status: int
    headers: dict[str, str]
    times: int
    skip: int
    path_suffix: str


class TurbopufferStandin:
    """The turbopuffer HTTP API, in process, for the parts Segue uses. See the package
    docstring for what it models and what it does not."""

    def __init__(
        self,
        *,
        api_key: str = "tpuf-standin-key",
        max_top_k: int = 1200,
        max_queries: int = 16,
        max_request_bytes: int = 256 * 2**20,
        max_concurrent_queries: int = 16,
        recall: float = 1.0,
        latency: float = 0.0,
        max_unindexed_bytes: int | None = None,
        index_bytes_per_second: float = 64 * 2**20,
    ) -> None:
        self.api_key = api_key
        self.max_top_k = max_top_k
        self.max_queries = max_queries
        self.max_request_bytes = max_request_bytes
        #: "Max concurrent queries per namespace: 16" (docs/limits); one more is a 429
        self.max_concurrent_queries = max_concurrent_queries
        #: the share of true neighbours an ANN query keeps (1.0: exact search)
        self.recall = recall
        #: seconds each query takes, so that queries overlap as they do in production
        self.latency = latency
        #: write backpressure: "If indexing falls behind ingestion by more than 2 GB, writes
        #: will be rejected (HTTP 429) until indexing catches up unless you disable
        #: backpressure" (docs/ingestion). None: indexing keeps up, as in most tests.
        self.max_unindexed_bytes = max_unindexed_bytes
        #: how fast the modelled indexer catches up
        self.index_bytes_per_second = index_bytes_per_second
        self._unindexed: dict[str, tuple[float, float]] = {}  # ns -> (bytes, as of when)
        self.namespaces: dict[str, Namespace] = {}
        self.requests: list[Recorded] = []
        #: the most queries one namespace had in flight at once
        self.peak_queries = 0
        self._in_flight: Counter[str] = Counter()
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()  # the loopback server answers from its own thread

    # -- test controls ---------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        times: int = 1,
        *,
        headers: dict[str, str] | None = None,
        skip: int = 0,
        path_suffix: str = "",
    ) -> None:
        """Answer ``times`` requests whose path ends with ``path_suffix`` with ``status``
        (e.g. 429, 503), after letting ``skip`` of them through."""
        self._faults.append(_Fault(status, headers or {}, times, skip, path_suffix))

    def clear_faults(self) -> None:
        """Forget the failures still to inject."""
        self._faults.clear()

    def _fault_for(self, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.times > 0 and path.endswith(fault.path_suffix):
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.times -= 1
                return fault
        return None

    def count(self, method: str | None = None, path_suffix: str = "") -> int:
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method) and r.path.endswith(path_suffix)
        )

    # -- the API ---------------------------------------------------------------------------

    async def ahandle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        """:meth:`handle` as a server answers: a query takes ``latency`` seconds, during
        which it counts against the namespace's concurrent queries (past the limit: 429)."""
        if not (method == "POST" and path.endswith("/query")):
            return self.handle(method, path, headers, body)
        with self._lock:
            if self._in_flight[path] >= self.max_concurrent_queries:
                message = (
                    f"too many concurrent queries on this namespace "
                    f"(limit {self.max_concurrent_queries})"
                )
                payload = {"status": "error", "error": message}
                self.requests.append(Recorded(method, path, 429, len(body), None, _size(payload)))
                return 429, {}, payload
            self._in_flight[path] += 1
            self.peak_queries = max(self.peak_queries, self._in_flight[path])
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            return self.handle(method, path, headers, body)
        finally:
            with self._lock:
                self._in_flight[path] -= 1

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        """One request in, (status, headers, JSON body) out, in turbopuffer's error shape."""
        with self._lock:
            parsed: Any = None
            try:
                parsed = self._json(headers, body)
                status, extra, payload = self._route(method, path, headers, parsed, len(body))
            except ApiError as err:
                status, extra, payload = err.status, {}, {"status": "error", "error": err.message}
            self.requests.append(Recorded(method, path, status, len(body), parsed, _size(payload)))
            return status, extra, payload

    def _route(
        self, method: str, path: str, headers: dict[str, str], body: Any, size: int
    ) -> tuple[int, dict[str, str], Any]:
        fault = self._fault_for(path)
        if fault is not None:
            message = f"injected failure {fault.status}"
            return fault.status, fault.headers, {"status": "error", "error": message}
        if headers.get("authorization") != f"Bearer {self.api_key}":
            raise reject("missing or invalid API key", status=401)
        for verb, pattern, action in _ROUTES:
            match = pattern.match(path)
            if match and verb == method:
                name = match.group("ns")
                if not _NAME.match(name):
                    raise reject(f"invalid namespace name {name!r}")
                if action == "write":
                    self._backpressure(name, body, size)
                return 200, {}, self._dispatch(action, name, body)
        raise reject(f"no route for {method} {path}", status=404)

    def _backpressure(self, name: str, body: Any, size: int) -> None:
        """Count a write's bytes as waiting to be indexed (drained at
        ``index_bytes_per_second``); past ``max_unindexed_bytes``, a 429 unless the write
        disables backpressure."""
        if self.max_unindexed_bytes is None:
            return
        if isinstance(body, dict) and not isinstance(body.get("disable_backpressure", False), bool):
            raise reject("disable_backpressure must be a boolean")
        now = time.monotonic()
        waiting, since = self._unindexed.get(name, (0.0, now))
        waiting = max(0.0, waiting - (now - since) * self.index_bytes_per_second)
        forced = isinstance(body, dict) and body.get("disable_backpressure") is True
        if waiting > self.max_unindexed_bytes and not forced:
            self._unindexed[name] = (waiting, now)
            raise reject(
                f"write backpressure: {int(waiting)} bytes of this namespace wait to be "
                "indexed; retry later",
                status=429,
            )
        self._unindexed[name] = (waiting + size, now)

    def _json(self, headers: dict[str, str], body: bytes) -> Any:
        if not body:
            return None
        if headers.get("content-encoding") == "gzip" and body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        if len(body) > self.max_request_bytes:
            raise reject(
                f"request body of {len(body)} bytes exceeds {self.max_request_bytes}", status=413
            )
        try:
            return json.loads(body, parse_constant=_no_constants)
        except ValueError as exc:
            raise reject(f"malformed JSON body: {exc}") from exc

    def _missing(self, name: str) -> ApiError:
        return reject(f"namespace '{name}' was not found", status=404)

    def _dispatch(self, action: str, name: str, body: Any) -> Any:
        ns = self.namespaces.get(name)
        if action == "write":
            if not isinstance(body, dict):
                raise reject("the write body must be a JSON object")
            self.namespaces[name], result = apply_write(ns, body)
            return result
        if ns is None:
            raise self._missing(name)
        if action == "hint_cache_warm":
            return {"status": "ACCEPTED", "message": "cache warm hint accepted"}
        if action == "query":
            if not isinstance(body, dict):
                raise reject("the query body must be a JSON object")
            if "queries" in body:
                out = run_multi_query(
                    ns,
                    body,
                    max_top_k=self.max_top_k,
                    max_queries=self.max_queries,
                    recall=self.recall,
                )
            else:
                out = run_single(ns, body, max_top_k=self.max_top_k, recall=self.recall)
            return {**out, **self._envelope(ns)}
        if action == "metadata":
            return {
                "approx_logical_bytes": sum(v.nbytes for v in ns.vectors.values()),
                "approx_row_count": len(ns.docs),
                "created_at": ns.created_at,
                "updated_at": ns.updated_at,
                "encryption": {"mode": "default"},
                "index": {"status": "up-to-date"},
                "schema": ns.schema(),
            }
        if action == "schema":
            return ns.schema()
        del self.namespaces[name]
        return {"status": "OK"}

    @staticmethod
    def _envelope(ns: Namespace) -> dict[str, Any]:
        return {
            "billing": {"billable_logical_bytes_queried": 0, "billable_logical_bytes_returned": 0},
            "performance": {
                "approx_namespace_size": len(ns.docs),
                "cache_hit_ratio": 1.0,
                "cache_temperature": "hot",
                "exhaustive_search_count": len(ns.docs),
                "query_execution_ms": 0,
                "server_total_ms": 0,
            },
        }

    # -- transports ------------------------------------------------------------------------

    def mock_transport(self) -> httpx2.MockTransport:
        """An httpx2 transport answering from this stand-in, for ``AsyncClient(transport=)``."""

        async def handler(request: httpx2.Request) -> httpx2.Response:
            headers = {k.lower(): v for k, v in request.headers.items()}
            status, extra, payload = await self.ahandle(
                request.method, request.url.path, headers, request.content
            )
            return httpx2.Response(status, json=payload, headers=extra)

        return httpx2.MockTransport(handler)

    def http_client(self) -> httpx2.AsyncClient:
        """An HTTP client to hand to ``AsyncTurbopuffer(http_client=...)``."""
        return httpx2.AsyncClient(transport=self.mock_transport())


def _size(payload: Any) -> int:
    return len(json.dumps(payload, separators=(",", ":")).encode())
