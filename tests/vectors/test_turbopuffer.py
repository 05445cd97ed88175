"""What only the turbopuffer backend has: the requests it sends, batching, limits,
errors, retries and configuration. Run through the official client against the stand-in."""

from __future__ import annotations

import numpy as np
import pytest

from segue.errors import DimensionMismatch, InvalidInput, Misconfigured, VectorStoreUnavailable
from segue.settings import Settings, VectorBackend
from segue.vectors import TurbopufferVectorStore, open_store
from segue.vectors._turbopuffer import READ_TIMEOUT

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
    ids, vectors = _vectors(500, dim=16)
    artists = [f"artist-{i % 9}" for i in range(500)]
    visibility = ["private" if i % 5 == 0 else "public" for i in range(500)]
    progress: list[int] = []
    await store.upsert(
        ids, vectors, {"artist": artists, "visibility": visibility}, on_progress=progress.append
    )
    writes = [r for r in standin.requests if "upsert_rows" in (r.body or {})]
    assert len(writes) > 3
    assert all(r.status == 200 and r.body_bytes <= 64 * 1024 for r in writes)
    assert sum(progress) == 500
    docs = standin.namespaces[store.namespace].docs
    assert docs[6] == {"id": 6, "artist": "artist-5", "visibility": "private"}
    assert len(docs) == 500
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


async def test_read_failures_are_unavailable_and_never_retried(standin: TurbopufferStandin) -> None:
    store = standin_store(standin)
    ids, vectors = _vectors(5)
    await store.upsert(ids, vectors)
    standin.fail_next(503)
    before = len(standin.requests)
    with pytest.raises(VectorStoreUnavailable):
        await store.get_vectors([1, 2])
    assert len(standin.requests) - before == 1
    assert len(await store.get_vectors([1, 2])) == 2  # the next call is fine
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
    assert store.client.max_retries == 0
    await store.aclose()
    monkeypatch.delenv("SEGUE_TURBOPUFFER_REGION")
    with pytest.raises(Misconfigured, match="region"):
        open_store(Settings())
    monkeypatch.delenv("SEGUE_TURBOPUFFER_API_KEY")
    with pytest.raises(Misconfigured, match="API_KEY"):
        open_store(Settings())
    monkeypatch.setenv("SEGUE_TURBOPUFFER_NAMESPACE", "no spaces allowed")
    with pytest.raises(ValueError, match="pattern"):
        Settings()
