"""``TurbopufferVectorStore``: track embeddings in a turbopuffer namespace."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar, cast

import httpx2
import numpy as np
import turbopuffer as tpuf
from turbopuffer import AsyncTurbopuffer, omit
from turbopuffer.types import DistanceMetric, namespace_multi_query_params
from turbopuffer.types.custom import Filter
from turbopuffer.types.row_param import RowParam

from segue._lifecycle import AsyncClosing
from segue.engine import FloatMatrix, Neighbors, check_ids, check_matrix
from segue.errors import (
    DimensionMismatch,
    InvalidInput,
    Misconfigured,
    VectorStoreUnavailable,
)
from segue.settings import Settings, TurbopufferConsistency

from ._attributes import check_upsert
from ._protocol import Attributes, Exclude, FetchedVectors, Ids, OnProgress
from ._tpuf_calls import Endpoint, NamespaceMissing, bulk_call, read_call
from ._tpuf_policy import (
    READ_DEADLINE,
    READ_TIMEOUT,
    WRITE_BATCH_BYTES,
    WRITE_PATIENCE,
    WRITE_TIMEOUT,
    Consistency,
    Freshness,
    consistency_params,
)
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

__all__ = ["TurbopufferVectorStore"]

T = TypeVar("T")

log = logging.getLogger("segue.vectors")

_METRIC: DistanceMetric = "cosine_distance"


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
        read_deadline: float = READ_DEADLINE,
        max_concurrent_queries: int = 4,
        consistency: Consistency = "strong",
        write_patience: float = WRITE_PATIENCE,
        disable_backpressure: bool = False,
    ) -> None:
        if base_url is None and region is None:
            raise Misconfigured(
                "turbopuffer needs a region (SEGUE_TURBOPUFFER_REGION) or a base URL "
                "(SEGUE_TURBOPUFFER_BASE_URL)"
            )
        if max_top_k < 1 or write_batch_bytes < 4096:
            raise Misconfigured("max_top_k must be positive and write_batch_bytes at least 4096")
        if read_deadline <= 0 or max_concurrent_queries < 1 or write_patience <= 0:
            raise Misconfigured(
                "the read deadline, queries in flight and patience must be positive"
            )
        if consistency not in ("strong", "eventual"):
            raise Misconfigured(f"consistency must be strong or eventual, not {consistency!r}")
        self.namespace = namespace
        # Where the namespace lives, for identity (the key stays out of it: a secret).
        self._origin = base_url or f"region={region}"
        self.max_top_k = max_top_k
        self.write_batch_bytes = write_batch_bytes
        self.read_deadline = read_deadline
        self.consistency: Consistency = consistency
        self.write_patience = write_patience
        self.disable_backpressure = disable_backpressure
        #: vectors sent as base64 built by numpy (False: lists the client encodes, as before)
        self.encode_vectors = True
        self._client = AsyncTurbopuffer(
            api_key=api_key,
            region=region if base_url is None else None,
            base_url=base_url or "https://{region}.turbopuffer.com",
            timeout=READ_TIMEOUT,
            max_retries=0,  # retries are ours (_tpuf_calls): deadline-aware, counted
            http_client=http_client,
            telemetry=False,
        )
        self._where = Endpoint(str(self._client.base_url), region, namespace)
        # Both views share the client's HTTP connection pool; they differ in options only.
        self._read = self._client.namespace(namespace)
        self._bulk = self._client.with_options(timeout=WRITE_TIMEOUT).namespace(namespace)
        # This process's queries in flight: beyond it a read waits (within its deadline)
        # rather than causing the 429s turbopuffer answers past its per-namespace limit.
        self._gate = asyncio.Semaphore(max_concurrent_queries)
        self._consistency = consistency_params(consistency)
        self.freshness = Freshness(consistency)
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
            read_deadline=settings.vector_timeout_seconds,
            max_concurrent_queries=settings.turbopuffer_max_concurrent_queries,
            consistency="eventual"
            if settings.turbopuffer_consistency is TurbopufferConsistency.EVENTUAL
            else "strong",
            write_patience=settings.turbopuffer_write_patience_seconds,
            disable_backpressure=settings.turbopuffer_disable_backpressure,
        )

    @property
    def identity(self) -> str:
        # Eventual reads may miss the latest writes: not the same answers as strong ones.
        return f"turbopuffer:{self._origin}:{self.namespace}:{self.consistency}"

    @property
    def client(self) -> AsyncTurbopuffer:
        """The process's one client (for operations the protocol does not cover)."""
        return self._client

    # -- plumbing --------------------------------------------------------------------------

    def _reading(self, make: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        return read_call(make, budget=self.read_deadline, gate=self._gate, where=self._where)

    def _bulk_call(self, make: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        return bulk_call(make, patience=self.write_patience, where=self._where)

    async def _known_dim(self) -> int | None:
        """The namespace's dimension, asked once and then remembered (it cannot change
        while the namespace exists)."""
        if self._dim is None:
            self._dim = await self.dimension()
        return self._dim

    # -- freshness -------------------------------------------------------------------------

    def max_cache_seconds(self, index_generation: int | None = None) -> float | None:
        """How long a ranking computed now may be cached (eventual reads shortly after a
        write of vectors), or ``None``: :meth:`Freshness.max_cache_seconds`."""
        return self.freshness.max_cache_seconds(index_generation)

    async def warm(self) -> bool:
        """Ask turbopuffer to warm the namespace's cache (``hint_cache_warm``), so the first
        queries after a deploy are not cold ones. Best effort: ``False`` if it could not be
        asked (logged), or the namespace does not exist yet."""
        try:
            await self._reading(lambda: self._read.hint_cache_warm())
        except NamespaceMissing:
            return False
        except (VectorStoreUnavailable, InvalidInput) as exc:
            # Refused or unreachable: the first queries will say so where it matters.
            log.warning("could not warm turbopuffer's cache: %s", exc.detail)
            return False
        return True

    # -- reading ---------------------------------------------------------------------------

    async def dimension(self) -> int | None:
        try:
            meta = await self._reading(lambda: self._read.metadata())
        except NamespaceMissing:
            self._dim = None
            return None
        self._dim = vector_dim(meta.schema_)
        return self._dim

    async def count(self) -> int:
        try:
            result = await self._reading(
                lambda: self._read.query(aggregate_by={"n": ("Count",)}, **self._consistency)
            )
        except NamespaceMissing:
            return 0
        n = (result.aggregations or {}).get("n", 0)
        if not isinstance(n, int | float):
            raise VectorStoreUnavailable(f"turbopuffer returned a count of {n!r}")
        return int(n)

    async def _fetch(self, chunks: Sequence[Sequence[int]]) -> list[Any]:
        """Rows (id + vector) for ``chunks`` of ids: one request per 16 chunks."""
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
                one = queries[0]
                single = await self._reading(
                    partial(self._read.query, **one, **self._consistency)  # type: ignore[arg-type]
                )
                rows.extend(single.rows or ())
            else:
                multi = await self._reading(
                    partial(self._read.multi_query, queries=queries, **self._consistency)
                )
                for result in multi.results:
                    rows.extend(result.rows or ())
        return rows

    async def get_vectors(self, ids: Ids) -> FetchedVectors:
        """Vectors by id, in request order, missing ids skipped: one request for up to
        16 x max_top_k distinct ids (an id filter ordered by id, never a dummy ANN query)."""
        keys = check_ids(ids)
        if not keys.size:
            return FetchedVectors.empty(self._dim or 0)
        unique = np.unique(keys)
        chunks = [c.tolist() for c in chunked(unique, self.max_top_k)]
        try:
            found = fetched_from_rows(await self._fetch(chunks))
        except NamespaceMissing:
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
        self, queries: FloatMatrix, *, top_k: int, exclude: Exclude = (), with_vectors: bool = False
    ) -> list[Neighbors]:
        """Cosine nearest neighbours of each row: one multi-query request for up to 16
        rows, ``exclude`` filtered out by turbopuffer (so each list is ``top_k`` long
        without asking for more), top_k capped at ``max_top_k``.

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
        top: dict[str, Any] = {**self._consistency}
        if with_vectors:
            top["vector_encoding"] = "base64"
        out: list[Neighbors] = []
        try:
            for group in chunked(q, MAX_MULTI_QUERIES):
                subs = [{**base, "rank_by": ("vector", "ANN", row.tolist())} for row in group]
                if len(subs) == 1:
                    single = await self._reading(partial(self._read.query, **subs[0], **top))
                    out.append(neighbors_from_rows(single.rows, dim if with_vectors else None))
                else:
                    multi = await self._reading(
                        partial(self._read.multi_query, queries=subs, **top)  # type: ignore[arg-type]
                    )
                    out.extend(
                        neighbors_from_rows(r.rows, dim if with_vectors else None)
                        for r in multi.results
                    )
        except NamespaceMissing:
            self._dim = None
            return [Neighbors.empty(empty_dim) for _ in range(q.shape[0])]
        return out

    async def scan(self, *, batch_size: int = 1000) -> AsyncIterator[FetchedVectors]:
        """Every id and vector in id order, ``batch_size`` (at most max_top_k) at a time.

        Pages by id (``rank_by ["id", "asc"]`` after the last id seen), so a scan holds one
        page in memory and sees writes made behind its cursor. Each page is retried like a
        bulk write (it is a read, so repeating it is safe).
        """
        size = max(1, min(batch_size, self.max_top_k))
        last: int | None = None
        while True:
            filters: Filter | tpuf.Omit = ("id", "Gt", last) if last is not None else omit
            try:
                result = await self._bulk_call(
                    partial(
                        self._bulk.query,
                        rank_by=("id", "asc"),
                        top_k=size,
                        filters=filters,
                        include_attributes=["vector"],
                    )
                )
            except NamespaceMissing:
                return
            page = fetched_from_rows(result.rows or [])
            if not len(page):
                return
            yield page
            if len(page) < size:
                return
            last = int(page.ids[-1])

    # -- writing ---------------------------------------------------------------------------

    def _write_options(self) -> dict[str, Any]:
        return {"disable_backpressure": True} if self.disable_backpressure else {}

    async def upsert(
        self,
        ids: Ids,
        vectors: FloatMatrix,
        attributes: Attributes | None = None,
        *,
        on_progress: OnProgress | None = None,
    ) -> None:
        """Insert or replace whole documents: id, vector and ``attributes`` (e.g. artist,
        visibility), in requests of at most ``write_batch_bytes`` as the client sends them.

        Everything is validated before the first request. Each request is atomic and is
        repeated through write backpressure (for up to ``write_patience`` seconds of
        waiting); an upsert that still fails part-way leaves its earlier batches written,
        and repeating it (upserts are idempotent) completes it.
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
        options = self._write_options()
        batches = upsert_batches(
            keys, matrix, columns, max_bytes=self.write_batch_bytes, encoded=self.encode_vectors
        )
        for rows in batches:
            await self._bulk_call(
                partial(
                    self._bulk.write,
                    upsert_rows=cast(list[RowParam], rows),
                    distance_metric=_METRIC,
                    **options,
                )
            )
            self.freshness.written()
            self._dim = int(matrix.shape[1])
            if on_progress is not None:
                on_progress(len(rows))

    async def delete(self, ids: Ids) -> None:
        keys = np.unique(check_ids(ids))
        options = self._write_options()
        for batch in id_batches(keys, max_bytes=self.write_batch_bytes):
            try:
                await self._bulk_call(partial(self._bulk.write, deletes=batch, **options))
            except NamespaceMissing:
                return  # nothing was ever written, so there is nothing to delete
            self.freshness.written()

    async def drop(self) -> None:
        """Delete the whole namespace (irreversible); the store is then empty."""
        with contextlib.suppress(NamespaceMissing):  # already gone
            await self._bulk_call(lambda: self._bulk.delete_all())
        self.freshness.written()
        self._dim = None

    async def aclose(self) -> None:
        await self._client.close()
