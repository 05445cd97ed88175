"""turbopuffer as production has it: 429s and 5xx, a per-namespace limit on concurrent
queries, write backpressure, wrong URLs. Injected through the stand-in; the real
official client on the other side."""

from __future__ import annotations

import asyncio
import time

import httpx2
import numpy as np
import pytest
from prometheus_client import REGISTRY

from segue.errors import VectorStoreUnavailable
from segue.metrics import API_COUNTERS, start_at_zero
from segue.vectors import TurbopufferVectorStore, read_deadline

from .conftest import STANDIN_URL, standin_store
from .tpuf_standin import TurbopufferStandin


def _vectors(n: int, dim: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.arange(1, n + 1, dtype=np.int64), rng.normal(size=(n, dim)).astype(np.float32)


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _retries(kind: str, status: str) -> float:
    return _metric("segue_turbopuffer_retries_total", kind=kind, status=status)


def _calls(kind: str, outcome: str) -> float:
    return _metric("segue_turbopuffer_calls_total", kind=kind, outcome=outcome)


async def _filled(standin: TurbopufferStandin, **kwargs: float) -> TurbopufferVectorStore:
    store = standin_store(standin, **kwargs)
    ids, vectors = _vectors(40)
    await store.upsert(ids, vectors)
    await store.get_vectors([1])  # the dimension is known: reads are one request each
    return store


async def test_a_read_answered_429_is_retried_after_retry_after(
    standin: TurbopufferStandin,
) -> None:
    store = await _filled(standin)
    retries, retried = _retries("read", "429"), _calls("read", "retried")
    standin.fail_next(429, times=2, headers={"retry-after-ms": "40"}, path_suffix="/query")
    before = len(standin.requests)
    started = time.monotonic()
    got = await store.get_vectors([3, 4])
    waited = time.monotonic() - started
    assert got.ids.tolist() == [3, 4]
    assert [r.status for r in standin.requests[before:]] == [429, 429, 200]
    assert waited >= 0.08  # Retry-After honoured twice, never earlier
    assert _retries("read", "429") == retries + 2
    assert _calls("read", "retried") == retried + 1
    await store.aclose()


@pytest.mark.parametrize("status", [500, 503])
async def test_a_read_answered_5xx_is_retried(standin: TurbopufferStandin, status: int) -> None:
    store = await _filled(standin)
    retries = _retries("read", "5xx")
    standin.fail_next(status, path_suffix="/query")
    (found,) = await store.query_many(_vectors(1)[1], top_k=3)
    assert len(found) == 3
    assert [r.status for r in standin.requests[-2:]] == [status, 200]
    assert _retries("read", "5xx") == retries + 1
    await store.aclose()


async def test_a_read_gives_up_only_when_its_deadline_is_gone(
    standin: TurbopufferStandin,
) -> None:
    store = await _filled(standin, read_deadline=0.4)
    gave_up = _calls("read", "deadline")
    standin.fail_next(503, times=1000, path_suffix="/query")
    before = len(standin.requests)
    started = time.monotonic()
    with pytest.raises(VectorStoreUnavailable, match="no time left to retry"):
        await store.get_vectors([1, 2])
    spent = time.monotonic() - started
    tries = len(standin.requests) - before
    assert 3 <= tries <= 12  # retried while time was left, with backoff, not in a spin
    assert spent <= 0.4 + 0.2  # and not past the deadline (plus scheduling slack)
    assert _calls("read", "deadline") == gave_up + 1
    await store.aclose()


async def test_a_retry_after_beyond_the_deadline_is_not_waited_for(
    standin: TurbopufferStandin,
) -> None:
    store = await _filled(standin)
    standin.fail_next(429, headers={"retry-after": "30"}, path_suffix="/query")
    before = len(standin.requests)
    started = time.monotonic()
    with pytest.raises(VectorStoreUnavailable, match="429"):
        await store.get_vectors([1])
    assert time.monotonic() - started < 1.0  # gave up at once: 30 s is past the 2 s
    assert len(standin.requests) - before == 1
    await store.aclose()


async def test_the_request_deadline_bounds_the_retries_of_every_call(
    standin: TurbopufferStandin,
) -> None:
    # The recommender sets what the request has left; retries stop there, whatever the
    # store's own budget.
    store = await _filled(standin, read_deadline=5.0)
    standin.fail_next(429, times=1000, headers={"retry-after-ms": "100"}, path_suffix="/query")
    before = len(standin.requests)
    with read_deadline(0.25), pytest.raises(VectorStoreUnavailable):
        await store.get_vectors([1])
    assert 1 <= len(standin.requests) - before <= 3
    standin.clear_faults()
    # Past the request's deadline (it answered `available: false`), the computation goes on
    # to fill the cache: an attempt still runs, on the call's own budget; retries do not.
    with read_deadline(0):
        assert len(await store.get_vectors([1, 2])) == 2
        standin.fail_next(503, path_suffix="/query")
        with pytest.raises(VectorStoreUnavailable, match="no time left"):
            await store.get_vectors([1, 2])
    await store.aclose()


async def test_a_client_error_is_not_retried(standin: TurbopufferStandin) -> None:
    store = await _filled(standin)
    errors = _calls("read", "error")
    standin.fail_next(403, path_suffix="/query")
    before = len(standin.requests)
    with pytest.raises(VectorStoreUnavailable, match="API key"):
        await store.get_vectors([1])
    assert len(standin.requests) - before == 1
    assert _calls("read", "error") == errors + 1
    await store.aclose()


async def test_queries_in_flight_stay_within_the_process_bound(
    standin: TurbopufferStandin,
) -> None:
    standin.latency = 0.03
    store = await _filled(standin, max_concurrent_queries=3)
    queries = _vectors(12, seed=5)[1]
    answers = await asyncio.gather(*(store.query_many(q[None], top_k=5) for q in queries))
    assert [len(a) for (a,) in answers] == [5] * 12
    assert standin.peak_queries == 3  # the other nine waited for a place
    assert not [r for r in standin.requests if r.status == 429]
    await store.aclose()


async def test_past_the_namespace_limit_the_stand_in_says_429_and_reads_retry(
    standin: TurbopufferStandin,
) -> None:
    # A process allowed more queries than turbopuffer takes at once (several workers
    # sharing the 16 of a namespace): the 429s come back, and the retries absorb them.
    standin.latency, standin.max_concurrent_queries = 0.03, 2
    store = await _filled(standin, max_concurrent_queries=8)
    queries = _vectors(8, seed=6)[1]
    answers = await asyncio.gather(*(store.query_many(q[None], top_k=5) for q in queries))
    assert [len(a) for (a,) in answers] == [5] * 8
    assert standin.peak_queries == 2
    assert [r for r in standin.requests if r.status == 429]  # no fault was injected
    await store.aclose()


async def test_bulk_writes_wait_out_backpressure_past_a_few_seconds_of_retries(
    standin: TurbopufferStandin,
) -> None:
    # The client alone (4 retries, about 4 s) stopped a sync half-way; now it waits.
    store = standin_store(standin)
    standin.fail_next(429, times=12, headers={"retry-after-ms": "5"}, path_suffix=store.namespace)
    retries = _retries("bulk", "429")
    ids, vectors = _vectors(30)
    await store.upsert(ids, vectors)
    assert await store.count() == 30
    assert _retries("bulk", "429") == retries + 12
    await store.aclose()


async def test_bulk_writes_stop_when_the_patience_is_spent(standin: TurbopufferStandin) -> None:
    store = standin_store(standin, write_patience=0.1)
    standin.fail_next(
        429, times=1000, headers={"retry-after-ms": "30"}, path_suffix=store.namespace
    )
    gave_up = _calls("bulk", "gave_up")
    with pytest.raises(VectorStoreUnavailable, match="WRITE_PATIENCE"):
        await store.upsert(*_vectors(5))
    assert _calls("bulk", "gave_up") == gave_up + 1
    await store.aclose()


async def test_modelled_backpressure_is_waited_out_or_disabled(
    standin: TurbopufferStandin,
) -> None:
    # Indexing lags: past 20 kB waiting, writes get 429 until the indexer (200 kB/s)
    # catches up. A bulk load completes either way; with disable_backpressure, without
    # a single 429.
    standin.max_unindexed_bytes, standin.index_bytes_per_second = 20_000, 200_000
    ids, vectors = _vectors(600, dim=32)
    patient = standin_store(standin, write_batch_bytes=8192)
    await patient.upsert(ids, vectors)
    assert await patient.count() == 600
    assert [r for r in standin.requests if r.status == 429]
    forced = standin_store(standin, write_batch_bytes=8192)
    forced.disable_backpressure = True
    before = len(standin.requests)
    await forced.upsert(ids, vectors)
    writes = [r for r in standin.requests[before:] if "upsert_rows" in (r.body or {})]
    assert len(writes) > 3
    assert all(r.status == 200 for r in writes)
    assert all(r.body["disable_backpressure"] is True for r in writes)
    assert await forced.count() == 600
    await patient.aclose()
    await forced.aclose()


async def test_a_404_that_is_not_a_missing_namespace_names_the_url_and_region(
    standin: TurbopufferStandin,
) -> None:
    wrong_path = TurbopufferVectorStore(
        namespace="segue-tracks",
        api_key=standin.api_key,
        base_url=f"{STANDIN_URL}/not-the-api",
        http_client=standin.http_client(),
    )
    with pytest.raises(VectorStoreUnavailable, match="not-the-api") as raised:
        await wrong_path.count()
    assert "SEGUE_TURBOPUFFER_REGION" in str(raised.value)
    await wrong_path.aclose()

    def html_404(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(404, text="<html><body>Not Found</body></html>")

    wrong_host = TurbopufferVectorStore(
        namespace="segue-tracks",
        api_key="k",
        region="gcp-us-nowhere1",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(html_404)),
    )
    for call in (wrong_host.count(), wrong_host.dimension(), wrong_host.get_vectors([1])):
        with pytest.raises(VectorStoreUnavailable, match="gcp-us-nowhere1"):
            await call
    await wrong_host.aclose()
    # A namespace that was never written is still an empty store, not an error.
    fresh = standin_store(standin)
    assert await fresh.count() == 0
    assert await fresh.dimension() is None
    await fresh.aclose()


def test_every_known_series_exists_from_the_start() -> None:
    # Dashboards and alerts see a 0, not a gap, before the first retry or failure: what an
    # API process creates at start (its lifespan calls this) holds every turbopuffer series.
    # Called here rather than relying on an earlier test having started an app.
    start_at_zero(API_COUNTERS)
    for kind in ("read", "bulk"):
        for outcome in ("ok", "retried", "deadline", "gave_up", "missing", "error"):
            labels = {"kind": kind, "outcome": outcome}
            assert REGISTRY.get_sample_value("segue_turbopuffer_calls_total", labels) is not None
        for status in ("429", "4xx", "5xx", "connection"):
            labels = {"kind": kind, "status": status}
            assert REGISTRY.get_sample_value("segue_turbopuffer_retries_total", labels) is not None
