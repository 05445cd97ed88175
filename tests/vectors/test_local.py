"""The local usearch store: persistence, overwrite, delete, missing ids, wrong dimension."""

import os

import numpy as np
import pytest

from segue.errors import DimensionMismatch, InvalidInput
from segue.vectors import LocalVectorStore

from ..support import unit_vectors


@pytest.fixture
def path(tmp_path):
    return tmp_path / "data" / "vectors.usearch"


async def test_empty_store(path):
    store = LocalVectorStore(path)
    assert await store.count() == 0
    assert await store.dimension() is None
    assert len(await store.get_vectors([1, 2])) == 0
    assert [len(n) for n in await store.query_many(unit_vectors(2), top_k=5)] == [0, 0]
    await store.delete([1])  # deleting from nothing is fine
    assert not path.exists()


async def test_persists_across_reopen(path):
    x = unit_vectors(20)
    await LocalVectorStore(path).upsert(np.arange(100, 120), x)
    reopened = LocalVectorStore(path)
    assert await reopened.count() == 20
    assert await reopened.dimension() == 8
    got = await reopened.get_vectors([105, 999, 100])
    assert got.ids.tolist() == [105, 100]
    np.testing.assert_array_equal(got.vectors, x[[5, 0]])


async def test_query_returns_cosine_neighbours_in_order(path):
    x = unit_vectors(50, seed=1)
    store = LocalVectorStore(path)
    await store.upsert(np.arange(50), x)
    [res] = await store.query_many(x[[7]], top_k=5)
    assert res.ids[0] == 7
    assert res.distances[0] == pytest.approx(0.0, abs=1e-5)
    expected = np.argsort(1 - x @ x[7], kind="stable")[:5]
    assert res.ids.tolist() == expected.tolist()
    np.testing.assert_allclose(res.distances, (1 - x @ x[7])[expected], atol=1e-5)
    assert (np.diff(res.distances) >= 0).all()


async def test_exclusion_still_fills_top_k(path):
    x = unit_vectors(30, seed=2)
    store = LocalVectorStore(path)
    await store.upsert(np.arange(30), x)
    near = (await store.query_many(x[[0]], top_k=10))[0].ids[:5]
    [res] = await store.query_many(x[[0]], top_k=10, exclude=near)
    assert len(res) == 10
    assert not set(res.ids.tolist()) & set(near.tolist())


async def test_many_queries_one_call(path):
    x = unit_vectors(40, seed=3)
    store = LocalVectorStore(path)
    await store.upsert(np.arange(40), x)
    results = await store.query_many(x[[1, 2, 3]], top_k=4)
    assert [r.ids[0] for r in results] == [1, 2, 3]
    assert all(len(r) == 4 for r in results)


async def test_upsert_existing_id_replaces_it(path):
    store = LocalVectorStore(path)
    x = unit_vectors(5)
    await store.upsert([1, 2, 3, 4, 5], x)
    await store.upsert([3], x[[0]])
    assert await store.count() == 5
    got = await store.get_vectors([3])
    np.testing.assert_array_equal(got.vectors[0], x[0])
    [res] = await store.query_many(x[[0]], top_k=2)
    assert set(res.ids.tolist()) == {1, 3}


async def test_delete(path):
    store = LocalVectorStore(path)
    await store.upsert([1, 2, 3], unit_vectors(3))
    await store.delete([2, 42])
    assert await store.count() == 2
    assert (await store.get_vectors([1, 2, 3])).ids.tolist() == [1, 3]
    [res] = await store.query_many(unit_vectors(1), top_k=10)
    assert 2 not in res.ids.tolist()


async def test_wrong_dimension(path):
    store = LocalVectorStore(path)
    await store.upsert([1], unit_vectors(1, d=8))
    with pytest.raises(DimensionMismatch):
        await store.upsert([2], unit_vectors(1, d=4))
    with pytest.raises(DimensionMismatch):
        await store.query_many(unit_vectors(1, d=4), top_k=3)
    assert await store.count() == 1


async def test_bad_upserts_write_nothing(path):
    store = LocalVectorStore(path)
    await store.upsert([1, 2], unit_vectors(2))
    before = path.read_bytes()
    bad = unit_vectors(2)
    bad[1, 0] = np.nan
    with pytest.raises(InvalidInput, match="NaN"):
        await store.upsert([3, 4], bad)
    with pytest.raises(InvalidInput, match="unique"):
        await store.upsert([3, 3], unit_vectors(2))
    with pytest.raises(InvalidInput, match="2 ids for 3 vectors"):
        await store.upsert([3, 4], unit_vectors(3))
    with pytest.raises(InvalidInput, match="non-negative"):
        await store.upsert([-3], unit_vectors(1))
    assert path.read_bytes() == before


async def test_writes_are_atomic_renames(path):
    store = LocalVectorStore(path)
    await store.upsert([1], unit_vectors(1))
    inode = os.stat(path).st_ino
    await store.upsert([2], unit_vectors(1, seed=5))
    # a new file was renamed over the old one; no temporary file is left behind
    assert os.stat(path).st_ino != inode
    assert sorted(p.name for p in path.parent.iterdir()) == ["vectors.usearch"]


async def test_sees_writes_from_another_process(path):
    reader = LocalVectorStore(path)
    writer = LocalVectorStore(path)
    await writer.upsert([1], unit_vectors(1))
    assert await reader.count() == 1
    await writer.upsert([2, 3], unit_vectors(2, seed=9))
    assert await reader.count() == 3


async def test_hnsw_and_exact_agree_on_the_nearest(path):
    x = unit_vectors(600, d=16, seed=4)
    exact = LocalVectorStore(path, exact_threshold=10_000)
    await exact.upsert(np.arange(600), x)
    approx = LocalVectorStore(path, exact_threshold=0)
    a = await exact.query_many(x[:20], top_k=1)
    b = await approx.query_many(x[:20], top_k=1)
    assert [r.ids[0] for r in a] == list(range(20))
    assert sum(r.ids[0] == i for i, r in enumerate(b)) >= 19


async def test_top_k_bounds(path):
    store = LocalVectorStore(path)
    await store.upsert(np.arange(10), unit_vectors(10))
    with pytest.raises(InvalidInput, match="top_k"):
        await store.query_many(unit_vectors(1), top_k=0)
    [res] = await store.query_many(unit_vectors(1), top_k=1000)
    assert len(res) == 10


def mapped(path):
    """Whether this process has ``path`` memory-mapped (Linux)."""
    return str(path) in open("/proc/self/maps", encoding="utf-8").read()


async def test_async_with_closes_the_store(path):
    await LocalVectorStore(path).upsert(np.arange(10), unit_vectors(10))
    store = LocalVectorStore(path)
    async with store as entered:
        assert entered is store
        assert await store.count() == 10
        assert mapped(path)
    assert not mapped(path)  # the index is unmapped on the way out
