"""``TurbopufferVectorStore``: track embeddings in a turbopuffer namespace."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any, TypeVar, cast

import httpx2
import numpy as np
import turbopuffer as tpuf
from turbopuffer import AsyncTurbopuffer, omit
from turbopuffer.types import DistanceMetric, namespace_multi_query_params
from turbopuffer.types.custom import Filter
from turbopuffer.types.row_param import RowParam

from segue._lifecycle import AsyncClosing
from segue.engine import FloatMatrix, IdArray, Neighbors, check_ids, check_matrix
from segue.errors import (
    DimensionMismatch,
    InvalidInput,
    Misconfigured,
    VectorStoreUnavailable,
)
from segue.settings import Settings

from ._attributes import check_upsert
from ._protocol import FetchedVectors
from ._tpuf_wire import (
    MAX_MULTI_QUERIES,
    MAX_TOP_K,
    chunked,
    fetched_from_rows,
    id_batches,
    neighbors_from_rows,
    upsert_batches,
    vector_dim,
)

__all__ = [
    "READ_DEADLINE",
    "READ_RETRIES",
    "READ_TIMEOUT",
    "WRITE_BATCH_BYTES",
    "WRITE_RETRIES",
    "WRITE_TIMEOUT",
    "TurbopufferVectorStore",
]

T = TypeVar("T")

# Timeouts and retries, chosen (docs/turbopuffer.md says the same to operators):
#
# Reads (get_vectors, query_many, count, dimension) sit on the recommendation hot path. A
# warm query answers in tens of milliseconds; a cold namespace (first query after hours
# idle, served from object storage) takes up to ~1.7 s at p99. So: 1 s to connect (TLS to
# the region included), 5 s between bytes, and a hard 5 s deadline on the whole call. No
# retries: DESIGN.md keeps retries out of hot paths, and a failed read becomes
# VectorStoreUnavailable, which the API degrades on instead of stalling the request.
READ_TIMEOUT = httpx2.Timeout(5.0, connect=1.0)
READ_DEADLINE = 5.0
READ_RETRIES = 0
# Writes and scans run in imports and `segue vectors sync`, off the hot path, and are
# idempotent (an upsert or delete by id, or a read, can be repeated safely), so they
# retry 4 times with the client's exponential backoff (0.25 s doubling up to 8 s, or the
# server's Retry-After) on connection errors, 408, 409, 429 (write backpressure) and 5xx.
# A full write batch must upload and commit to object storage: 60 s between bytes.
WRITE_TIMEOUT = httpx2.Timeout(60.0, connect=5.0)
WRITE_RETRIES = 4
# One write request: well under the documented 256 MB so that building the JSON body
# (about 13 kB per 512-d row) keeps memory modest; about 2,500 rows of 512 dimensions.
WRITE_BATCH_BYTES = 32 * 2**20

_METRIC: DistanceMetric = "cosine_distance"


class _NamespaceMissing(Exception):
    """turbopuffer answered 404: the namespace has never been written (an empty store)."""


class TurbopufferVectorStore(AsyncClosing):
    """Track embeddings in one turbopuffer namespace, through the official async client.

    One instance per process: it owns the client (and its connection pool), created here
    and closed by :meth:`aclose` (or on leaving ``async with``). A namespace that does not
    exist yet is an empty store.

        >>> store = TurbopufferVectorStore(namespace="segue-tracks", api_key="tpuf_...",
        ...                                region="gcp-us-central1")  # doctest: +SKIP
        >>> await store.query_many(queries, top_k=20, exclude=[12, 40])  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        namespace: str,
        api_key: str,
        region: str | None = None,
        base_url: str | None = None,
        http_client: httpx2.AsyncClient | None = None,
        max_top_k: int = MAX_TOP_K,
        write_batch_bytes: int = WRITE_BATCH_BYTES,
    ) -> None:
        if base_url is None and region is None:
            raise Misconfigured(
                "turbopuffer needs a region (SEGUE_TURBOPUFFER_REGION) or a base URL "
                "(SEGUE_TURBOPUFFER_BASE_URL)"
            )
        if max_top_k < 1 or write_batch_bytes < 4096:
            raise InvalidInput("max_top_k must be positive and write_batch_bytes at least 4096")
        self.namespace = namespace
        # Where the namespace lives, for identity (the key stays out of it: a secret).
        self._origin = base_url or f"region={region}"
        self.max_top_k = max_top_k
        self.write_batch_bytes = write_batch_bytes
        self._client = AsyncTurbopuffer(
            api_key=api_key,
            region=region if base_url is None else None,
            base_url=base_url or "https://{region}.turbopuffer.com",
            timeout=READ_TIMEOUT,
            max_retries=READ_RETRIES,
            http_client=http_client,
            telemetry=False,
        )
        # Both views share the client's HTTP connection pool; they differ in options only.
        self._read = self._client.namespace(namespace)
        self._bulk = self._client.with_options(
            timeout=WRITE_TIMEOUT, max_retries=WRITE_RETRIES
        ).namespace(namespace)
        self._dim: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TurbopufferVectorStore:
        if settings.turbopuffer_api_key is None:
            raise Misconfigured("SEGUE_TURBOPUFFER_API_KEY is not set")
        return cls(
            namespace=settings.turbopuffer_namespace,
            api_key=settings.turbopuffer_api_key.get_secret_value(),
            region=settings.turbopuffer_region,
            base_url=settings.turbopuffer_base_url,
        )

    @property
    def identity(self) -> str:
        return f"turbopuffer:{self._origin}:{self.namespace}"

    @property
    def client(self) -> AsyncTurbopuffer:
        """The process's one client (for operations the protocol does not cover)."""
        return self._client

    # -- plumbing --------------------------------------------------------------------------

    async def _call(self, call: Awaitable[T], *, deadline: float | None = READ_DEADLINE) -> T:
        """One API call, with the client's errors turned into Segue's (404 into
        :class:`_NamespaceMissing`)."""
        try:
            if deadline is None:
                return await call
            async with asyncio.timeout(deadline):
                return await call
        except tpuf.NotFoundError as exc:
            raise _NamespaceMissing from exc
        except (tpuf.BadRequestError, tpuf.UnprocessableEntityError) as exc:
            raise InvalidInput(f"turbopuffer rejected the request: {_message(exc)}") from exc
        except (tpuf.AuthenticationError, tpuf.PermissionDeniedError) as exc:
            raise VectorStoreUnavailable(
                f"turbopuffer refused the API key ({exc.status_code}): {_message(exc)}"
            ) from exc
        except tpuf.APIStatusError as exc:
            raise VectorStoreUnavailable(
                f"turbopuffer answered {exc.status_code}: {_message(exc)}"
            ) from exc
        except (tpuf.APIError, TimeoutError) as exc:
            # Connection failures, timeouts (the client's or our deadline) and responses
            # that do not parse: turbopuffer could not be used just now.
            raise VectorStoreUnavailable(f"turbopuffer did not answer: {exc!r}") from exc

    async def _known_dim(self) -> int | None:
        """The namespace's dimension, asked once and then remembered (it cannot change
        while the namespace exists)."""
        if self._dim is None:
            self._dim = await self.dimension()
        return self._dim

    # -- reading ---------------------------------------------------------------------------

    async def dimension(self) -> int | None:
        try:
            meta = await self._call(self._read.metadata())
        except _NamespaceMissing:
            self._dim = None
            return None
        self._dim = vector_dim(meta.schema_)
        return self._dim

    async def count(self) -> int:
        try:
            result = await self._call(self._read.query(aggregate_by={"n": ("Count",)}))
        except _NamespaceMissing:
            return 0
        n = (result.aggregations or {}).get("n", 0)
        if not isinstance(n, int | float):
            raise VectorStoreUnavailable(f"turbopuffer returned a count of {n!r}")
        return int(n)

    async def _fetch(self, chunks: Sequence[Sequence[int]], *, bulk: bool) -> list[Any]:
        """Rows (id + vector) for ``chunks`` of ids: one request per 16 chunks."""
        view, deadline = (self._bulk, None) if bulk else (self._read, READ_DEADLINE)
        rows: list[Any] = []
        for group in chunked(chunks, MAX_MULTI_QUERIES):
            queries: list[namespace_multi_query_params.Query] = [
                {
                    "rank_by": ("id", "asc"),
                    "filters": ("id", "In", list(chunk)),
                    "top_k": len(chunk),
                    "include_attributes": ["vector"],
                }
                for chunk in group
            ]
            if len(queries) == 1:
                single = await self._call(view.query(**queries[0]), deadline=deadline)  # type: ignore[arg-type]
                rows.extend(single.rows or ())
            else:
                multi = await self._call(view.multi_query(queries=queries), deadline=deadline)
                for result in multi.results:
                    rows.extend(result.rows or ())
        return rows

    async def get_vectors(self, ids: Sequence[int] | IdArray) -> FetchedVectors:
        """Vectors by id, in request order, missing ids skipped: one request for up to
        16 x max_top_k distinct ids (an id filter ordered by id, never a dummy ANN query)."""
        keys = check_ids(ids)
        if not keys.size:
            return FetchedVectors.empty(self._dim or 0)
        unique = np.unique(keys)
        chunks = [c.tolist() for c in chunked(unique, self.max_top_k)]
        try:
            found = fetched_from_rows(await self._fetch(chunks, bulk=False))
        except _NamespaceMissing:
            self._dim = None
            return FetchedVectors.empty()
        if not len(found):
            return FetchedVectors.empty(self._dim or 0)
        self._dim = int(found.vectors.shape[1])
        order = np.argsort(found.ids)
        sorted_ids = found.ids[order]
        present = keys[np.isin(keys, sorted_ids)]
        rows = order[np.searchsorted(sorted_ids, present)]
        return FetchedVectors(present, found.vectors[rows])

    async def query_many(
        self,
        queries: FloatMatrix,
        *,
        top_k: int,
        exclude: Collection[int] | IdArray = (),
        with_vectors: bool = False,
    ) -> list[Neighbors]:
        """Cosine nearest neighbours of each row: one multi-query request for up to 16
        rows, ``exclude`` filtered out by turbopuffer, top_k capped at ``max_top_k``.

        ``with_vectors`` adds the ``vector`` attribute to every sub-query of the same
        request, base64-encoded (little-endian f32: exact, and about half the bytes of
        the JSON numbers).
        """
        q = check_matrix(queries, name="query vectors")
        if top_k < 1:
            raise InvalidInput(f"top_k must be at least 1, got {top_k}")
        if not q.shape[0]:
            return []
        dim = await self._known_dim()
        empty_dim = q.shape[1] if with_vectors else None
        if dim is None:
            return [Neighbors.empty(empty_dim) for _ in range(q.shape[0])]
        if q.shape[1] != dim:
            raise DimensionMismatch(f"query vectors have dimension {q.shape[1]}, expected {dim}")
        excluded = np.unique(check_ids(exclude))
        base: dict[str, Any] = {"top_k": min(top_k, self.max_top_k), "distance_metric": _METRIC}
        if excluded.size:
            base["filters"] = ("id", "NotIn", excluded.tolist())
        if with_vectors:
            base["include_attributes"] = ["vector"]
        encoding: dict[str, Any] = {"vector_encoding": "base64"} if with_vectors else {}
        out: list[Neighbors] = []
        try:
            for group in chunked(q, MAX_MULTI_QUERIES):
                subs = [{**base, "rank_by": ("vector", "ANN", row.tolist())} for row in group]
                if len(subs) == 1:
                    single = await self._call(self._read.query(**subs[0], **encoding))
                    out.append(neighbors_from_rows(single.rows, dim if with_vectors else None))
                else:
                    multi = await self._call(
                        self._read.multi_query(queries=subs, **encoding)  # type: ignore[arg-type]
                    )
                    out.extend(
                        neighbors_from_rows(r.rows, dim if with_vectors else None)
                        for r in multi.results
                    )
        except _NamespaceMissing:
            self._dim = None
            return [Neighbors.empty(empty_dim) for _ in range(q.shape[0])]
        return out

    async def scan(self, *, batch_size: int = 1000) -> AsyncIterator[FetchedVectors]:
        """Every id and vector in id order, ``batch_size`` (at most max_top_k) at a time.

        Pages by id (``rank_by ["id", "asc"]`` after the last id seen), so a scan holds one
        page in memory and sees writes made behind its cursor.
        """
        size = max(1, min(batch_size, self.max_top_k))
        last: int | None = None
        while True:
            filters: Filter | tpuf.Omit = ("id", "Gt", last) if last is not None else omit
            call = self._bulk.query(
                rank_by=("id", "asc"), top_k=size, filters=filters, include_attributes=["vector"]
            )
            try:
                page = fetched_from_rows((await self._call(call, deadline=None)).rows or [])
            except _NamespaceMissing:
                return
            if not len(page):
                return
            yield page
            if len(page) < size:
                return
            last = int(page.ids[-1])

    # -- writing ---------------------------------------------------------------------------

    async def upsert(
        self,
        ids: Sequence[int] | IdArray,
        vectors: FloatMatrix,
        attributes: Mapping[str, Sequence[Any]] | None = None,
        *,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Insert or replace whole documents: id, vector and ``attributes`` (e.g. artist,
        visibility), in requests of at most ``write_batch_bytes``.

        Everything is validated before the first request. Each request is atomic; an
        upsert larger than one request that fails part-way leaves its earlier batches
        written, and repeating it (upserts are idempotent) completes it.
        """
        checked = check_upsert(ids, vectors, attributes)
        keys, matrix, columns = checked.ids, checked.vectors, checked.attributes
        if not keys.size:
            return
        dim = await self._known_dim()
        if dim is not None and dim != matrix.shape[1]:
            raise DimensionMismatch(
                f"vectors have dimension {matrix.shape[1]}, the index has {dim}"
            )
        for rows in upsert_batches(keys, matrix, columns, max_bytes=self.write_batch_bytes):
            call = self._bulk.write(upsert_rows=cast(list[RowParam], rows), distance_metric=_METRIC)
            await self._call(call, deadline=None)
            self._dim = int(matrix.shape[1])
            if on_progress is not None:
                on_progress(len(rows))

    async def delete(self, ids: Sequence[int] | IdArray) -> None:
        keys = np.unique(check_ids(ids))
        for batch in id_batches(keys, max_bytes=self.write_batch_bytes):
            try:
                await self._call(self._bulk.write(deletes=batch), deadline=None)
            except _NamespaceMissing:
                return  # nothing was ever written, so there is nothing to delete

    async def drop(self) -> None:
        """Delete the whole namespace (irreversible); the store is then empty."""
        with contextlib.suppress(_NamespaceMissing):  # already gone
            await self._call(self._bulk.delete_all(), deadline=None)
        self._dim = None

    async def aclose(self) -> None:
        await self._client.close()


def _message(exc: tpuf.APIStatusError) -> str:
    """The ``error`` of turbopuffer's ``{"status": "error", "error": ...}`` body."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return exc.message
