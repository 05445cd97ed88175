"""What only the turbopuffer backend has: the requests it sends, batching, limits,
errors, retries and configuration. Run through the official client against the stand-in."""

from __future__ import annotations

import numpy as np
import pytest

from segue.errors import DimensionMismatch, InvalidInput, Misconfigured, VectorStoreUnavailable
from segue.settings import Settings, VectorBackend
from segue.vectors import TurbopufferVectorStore, open_store
from segue.vectors._tpuf_policy import READ_TIMEOUT

from .conftest import STANDIN_URL, standin_store
from .tpuf_standin import TurbopufferStandin


def _vectors(n: int, dim: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.arange(1, n + 1, dtype=np.int64), rng.normal(size=(n, dim)).astype(np.float32)


async def test_fetch_is_one_id_filtered_request_ordered_by_id(standin: TurbopufferStandin) -> None:
    store = standin_store(standin)
    ids, vectors = _vectors(20)
    await store.upsert(ids, vectors)
    before = len(standin.requests)
    await store.get_vectors([9, 3, 3, 77])
    (req,) = standin.requests[before:]
    assert req.path.endswith("/query")
    assert req.body["rank_by"] == ["id", "asc"]
    assert req.body["filters"] == ["id", "In", [3, 9, 77]]
    assert req.body["include_attributes"] == ["vector"]
    assert req.body["top_k"] == 3
    await store.aclose()


async def test_query_many_is_one_multi_query_with_server_side_exclusion(
    standin: TurbopufferStandin,
) -> None:
    store = standin_store(standin)
    ids, vectors = _vectors(30)
    await store.upsert(ids, vectors)
    before = len(standin.requests)
    answers = await store.query_many(vectors[:3], top_k=4, exclude=[5, 1, 5])
    (req,) = standin.requests[before:]
    assert len(req.body["queries"]) == 3
    for sub, vec in zip(req.body["queries"], vectors[:3], strict=True):
        assert sub["rank_by"][:2] == ["vector", "ANN"]
        np.testing.assert_array_equal(np.float32(sub["rank_by"][2]), vec)
        assert sub["distance_metric"] == "cosine_distance"
        assert sub["filters"] == ["id", "NotIn", [1, 5]]
        assert sub["top_k"] == 4
    assert [len(a) for a in answers] == [4, 4, 4]
    await store.aclose()


async def test_more_queries_than_a_multi_query_holds_are_split(standin: TurbopufferStandin) -> None:
    store = standin_store(standin)
    ids, vectors = _vectors(40)
    await store.upsert(ids, vectors)
    before = len(standin.requests)
    answers = await store.query_many(vectors[:20], top_k=1)
    assert len(standin.requests) - before == 2  # 16 + 4
    assert [a.ids[0] for a in answers] == ids[:20].tolist()  # each vector finds itself
    await store.aclose()


async def test_top_k_and_fetch_stay_within_the_maximum(standin: TurbopufferStandin) -> None:
    standin.max_top_k = 10
    store = standin_store(standin, max_top_k=10)
    ids, vectors = _vectors(300)
    await store.upsert(ids, vectors)
    (capped,) = await store.query_many(vectors[:1], top_k=50)
    assert len(capped) == 10
    before = len(standin.requests)
    got = await store.get_vectors(ids[::-1][:35])  # 4 chunks of <= 10: one multi-query
    assert len(standin.requests) - before == 1
    assert got.ids.tolist() == ids[::-1][:35].tolist()
    np.testing.assert_array_equal(got.vectors, vectors[::-1][:35])
    before = len(standin.requests)
    assert len(await store.get_vectors(ids)) == 300  # 30 chunks: two requests of <= 16
    assert len(standin.requests) - before == 2
    assert not [r for r in standin.requests if r.status == 400]  # nothing over the limits
    await store.aclose()


async def test_writes_are_batched_within_the_request_limit_and_carry_attributes(
    standin: TurbopufferStandin,
) -> None:
    standin.max_request_bytes = 64 * 1024
    store = standin_store(standin, write_batch_bytes=64 * 1024)
    n = 2000
    ids, vectors = _vectors(n, dim=16)
    artists = [f"artist-{i % 9}" for i in range(n)]
    visibility = ["private" if i % 5 == 0 else "public" for i in range(n)]
    progress: list[int] = []
    await store.upsert(
        ids, vectors, {"artist": artists, "visibility": visibility}, on_progress=progress.append
    )
    writes = [r for r in standin.requests if "upsert_rows" in (r.body or {})]
    assert len(writes) > 3
    assert all(r.status == 200 and r.body_bytes <= 64 * 1024 for r in writes)
    # Sized by what the client really sends (vectors as base64), so each full request
    # carries close to the limit, not a fifth of it as with the JSON-numbers estimate.
    assert all(isinstance(row["vector"], str) for r in writes for row in r.body["upsert_rows"])
    assert all(r.body_bytes > 0.8 * 64 * 1024 for r in writes[:-1])
    assert sum(progress) == n
    docs = standin.namespaces[store.namespace].docs
    assert docs[6] == {"id": 6, "artist": "artist-5", "visibility": "private"}
    assert len(docs) == n
    meta = standin.namespaces[store.namespace].schema()
    assert meta["artist"] == {"type": "string"}
    assert meta["vector"]["type"] == "[16]f32"
    before = len(standin.requests)
    await store.delete(np.arange(1, 5001))  # 5,000 ids do not fit one 64 kB request
    deletes = standin.requests[before:]
    assert len(deletes) > 1
    assert all(r.status == 200 for r in deletes)
    assert await store.count() == 0
    await store.aclose()


async def test_dimension_is_checked_before_any_request(standin: TurbopufferStandin) -> None:
    store = standin_store(standin)
    ids, vectors = _vectors(5)
    await store.upsert(ids, vectors)
    await store.get_vectors([1])  # the store now knows the namespace's dimension
    before = len(standin.requests)
    with pytest.raises(DimensionMismatch):
        await store.query_many(np.ones((1, 3), np.float32), top_k=2)
    with pytest.raises(DimensionMismatch):
        await store.upsert([9], np.ones((1, 3), np.float32))
    assert len(standin.requests) == before
    fresh = TurbopufferVectorStore(  # as in a new process: asks the namespace once
        namespace=store.namespace,
        api_key=standin.api_key,
        base_url=STANDIN_URL,
        http_client=standin.http_client(),
    )
    with pytest.raises(DimensionMismatch):
        await fresh.query_many(np.ones((1, 3), np.float32), top_k=2)
    assert standin.requests[-1].path.endswith("/metadata")
    await store.aclose()
    await fresh.aclose()


async def test_a_dropped_namespace_is_an_empty_store(standin: TurbopufferStandin) -> None:
    store = standin_store(standin)
    ids, vectors = _vectors(5)
    await store.upsert(ids, vectors)
    await store.drop()
    assert await store.count() == 0
    assert await store.dimension() is None
    assert [len(a) for a in await store.query_many(vectors[:2], top_k=3)] == [0, 0]
    await store.upsert(ids[:2], np.ones((2, 3), np.float32))  # a new namespace, new dimension
    assert await store.dimension() == 3
    await store.aclose()


async def test_writes_retry_backpressure(standin: TurbopufferStandin) -> None:
    store = standin_store(standin)
    standin.fail_next(429, times=2, headers={"retry-after-ms": "5"}, path_suffix=store.namespace)
    ids, vectors = _vectors(5)
    await store.upsert(ids, vectors)
    assert [r.status for r in standin.requests] == [404, 429, 429, 200]  # metadata, then write
    assert await store.count() == 5
    await store.aclose()


async def test_rejections_and_auth_failures_become_segue_errors(
    standin: TurbopufferStandin,
) -> None:
    standin.max_top_k = 5  # the server's quota is below what the store was told
    store = standin_store(standin, max_top_k=10)
    ids, vectors = _vectors(12)
    await store.upsert(ids, vectors)
    with pytest.raises(InvalidInput, match="top_k must be at most 5"):
        await store.query_many(vectors[:1], top_k=8)
    wrong_key = TurbopufferVectorStore(
        namespace=store.namespace,
        api_key="not-the-key",
        base_url=STANDIN_URL,
        http_client=standin.http_client(),
    )
    with pytest.raises(VectorStoreUnavailable, match="API key"):
        await wrong_key.count()
    await store.aclose()
    await wrong_key.aclose()


async def test_settings_configure_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGUE_VECTOR_BACKEND", "turbopuffer")
    monkeypatch.setenv("SEGUE_TURBOPUFFER_API_KEY", "tpuf_secret")
    monkeypatch.setenv("SEGUE_TURBOPUFFER_REGION", "gcp-us-central1")
    monkeypatch.setenv("SEGUE_TURBOPUFFER_NAMESPACE", "tracks-prod")
    settings = Settings()
    assert settings.vector_backend is VectorBackend.TURBOPUFFER
    assert "tpuf_secret" not in repr(settings)
    store = open_store(settings)
    assert isinstance(store, TurbopufferVectorStore)
    assert store.namespace == "tracks-prod"
    assert str(store.client.base_url).startswith("https://gcp-us-central1.turbopuffer.com")
    assert store.client.timeout == READ_TIMEOUT
    assert store.client.max_retries == 0  # the store's own retries, deadline-aware
    assert (store.read_deadline, store.consistency, store.disable_backpressure) == (
        2.0,
        "strong",
        False,
    )
    await store.aclose()
    monkeypatch.setenv("SEGUE_VECTOR_TIMEOUT_SECONDS", "0.75")
    monkeypatch.setenv("SEGUE_TURBOPUFFER_CONSISTENCY", "eventual")
    monkeypatch.setenv("SEGUE_TURBOPUFFER_MAX_CONCURRENT_QUERIES", "6")
    monkeypatch.setenv("SEGUE_TURBOPUFFER_WRITE_PATIENCE_SECONDS", "90")
    monkeypatch.setenv("SEGUE_TURBOPUFFER_DISABLE_BACKPRESSURE", "true")
    store = open_store(Settings())
    assert isinstance(store, TurbopufferVectorStore)
    assert (store.read_deadline, store.consistency, store.write_patience) == (0.75, "eventual", 90)
    assert store.disable_backpressure is True
    assert store._gate._value == 6
    await store.aclose()
    monkeypatch.setenv("SEGUE_TURBOPUFFER_CONSISTENCY", "sometimes")
    with pytest.raises(ValueError, match="consistency"):
        Settings()
    monkeypatch.delenv("SEGUE_TURBOPUFFER_CONSISTENCY")
    monkeypatch.delenv("SEGUE_TURBOPUFFER_REGION")
    with pytest.raises(Misconfigured, match="region"):
        open_store(Settings())
    monkeypatch.delenv("SEGUE_TURBOPUFFER_API_KEY")
    with pytest.raises(Misconfigured, match="API_KEY"):
        open_store(Settings())
    monkeypatch.setenv("SEGUE_TURBOPUFFER_NAMESPACE", "no spaces allowed")
    with pytest.raises(ValueError, match="pattern"):
        Settings()


async def test_eventual_reads_and_how_long_their_rankings_may_be_cached(
    standin: TurbopufferStandin,
) -> None:
    strong = standin_store(standin)
    ids, vectors = _vectors(10)
    await strong.upsert(ids, vectors)
    await strong.query_many(vectors[:2], top_k=3)
    assert "consistency" not in standin.requests[-1].body  # turbopuffer's default
    assert strong.max_cache_seconds(7) is None  # strong reads: no limit
    eventual = TurbopufferVectorStore(
        namespace=strong.namespace,
        api_key=standin.api_key,
        base_url=STANDIN_URL,
        http_client=standin.http_client(),
        consistency="eventual",
    )
    assert eventual.max_cache_seconds() is None  # nothing written or seen yet
    await eventual.get_vectors([1])
    await eventual.query_many(vectors[:2], top_k=3)
    await eventual.count()
    for req in standin.requests[-3:]:
        assert req.body["consistency"] == {"level": "eventual", "max_staleness_seconds": 60}
    assert eventual.max_cache_seconds(7) == 60  # a generation never seen: maybe a write
    assert eventual.max_cache_seconds(7) == 60  # still within the bound
    eventual.freshness.forget(61)  # the bound has passed
    assert eventual.max_cache_seconds(7) is None
    assert eventual.max_cache_seconds(8) == 60  # vectors written elsewhere since
    eventual.freshness.forget(61)
    await eventual.upsert(ids[:1], vectors[:1])  # a write of its own
    assert eventual.max_cache_seconds(8) == 60
    await strong.aclose()
    await eventual.aclose()


async def test_warming_is_best_effort(standin: TurbopufferStandin) -> None:
    store = standin_store(standin)
    assert await store.warm() is False  # no namespace yet: nothing to warm
    await store.upsert(*_vectors(3))
    assert await store.warm() is True
    assert standin.requests[-1].path == f"/v1/namespaces/{store.namespace}/hint_cache_warm"
    standin.fail_next(500, times=100, path_suffix="hint_cache_warm")
    quick = TurbopufferVectorStore(
        namespace=store.namespace,
        api_key=standin.api_key,
        base_url=STANDIN_URL,
        http_client=standin.http_client(),
        read_deadline=0.2,
    )
    assert await quick.warm() is False  # logged, never raised: serving starts anyway
    standin.fail_next(400, path_suffix="hint_cache_warm")
    assert await store.warm() is False  # a refusal too
    await store.aclose()
    await quick.aclose()


async def test_vectors_go_out_as_the_same_base64_the_client_would_send(
    standin: TurbopufferStandin,
) -> None:
    from turbopuffer.lib.vector import b64encode_vector

    ids, vectors = _vectors(7, dim=12)
    sent: list[dict[str, object]] = []
    for encode in (True, False):
        store = standin_store(standin)
        store.encode_vectors = encode  # False: lists of floats, encoded by the client
        await store.upsert(ids, vectors)
        (write,) = [r for r in standin.requests[-3:] if "upsert_rows" in (r.body or {})]
        sent.append(write.body)
        got = await store.get_vectors(ids)
        np.testing.assert_array_equal(got.vectors, vectors)
        await store.aclose()
    assert sent[0] == sent[1]  # byte for byte the same rows
    rows = sent[0]["upsert_rows"]
    assert isinstance(rows, list)
    assert [r["vector"] for r in rows] == [b64encode_vector(v.tolist()) for v in vectors]
