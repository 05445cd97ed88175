"""The local store with a compact (bf16, f16) graph and the exact f32 vectors beside it:
exactness through the graph path, the generation layout, switching types, damaged pairs."""

import os
import shutil

import numpy as np
import pytest

from segue.errors import InvalidInput, VectorStoreUnavailable
from segue.settings import Settings
from segue.vectors import LocalVectorStore, open_store

COMPACT = ["bf16", "f16"]


def vectors(n, d=32, seed=0):
    # Not unit length and full of digits bf16 cannot hold: a rounded copy would show.
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32) * 3.7


def cosine(q, x):
    q, x = q.astype(np.float64), x.astype(np.float64)
    return 1 - (q @ x.T) / np.outer(np.linalg.norm(q, axis=1), np.linalg.norm(x, axis=1))


@pytest.fixture
def path(tmp_path):
    return tmp_path / "data" / "vectors.usearch"


def generations(path):
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


@pytest.mark.parametrize("dtype", COMPACT)
async def test_graph_search_returns_exact_vectors_and_distances(path, dtype):
    x = vectors(2000, seed=1)
    ids = np.arange(10, 2010)
    store = LocalVectorStore(path, dtype=dtype, exact_threshold=0)  # always the graph
    await store.upsert(ids, x)
    fetched = await store.get_vectors([15, 10, 99_999, 2009])
    assert fetched.ids.tolist() == [15, 10, 2009]
    np.testing.assert_array_equal(fetched.vectors, x[[5, 0, 1999]])
    batches = [b async for b in store.scan(batch_size=700)]
    assert [len(b) for b in batches] == [700, 700, 600]
    np.testing.assert_array_equal(np.concatenate([b.ids for b in batches]), ids)
    np.testing.assert_array_equal(np.concatenate([b.vectors for b in batches]), x)

    queries = x[:8] + 0.05
    answers = await store.query_many(queries, top_k=20, exclude=[10, 11])
    dist = cosine(queries, x)
    for q, res in enumerate(answers):
        assert len(res) == 20
        assert not {10, 11} & set(res.ids.tolist())
        # distances are the exact cosine of the returned ids, ascending
        np.testing.assert_allclose(res.distances, dist[q, res.ids - 10], atol=1e-5)
        assert np.all(np.diff(res.distances) >= 0)
        best = set((np.argsort(dist[q])[:22] + 10).tolist()) - {10, 11}
        assert len(set(res.ids[:10].tolist()) & best) >= 9


@pytest.mark.parametrize("dtype", COMPACT)
async def test_small_index_searches_exactly_from_the_f32_vectors(path, dtype):
    x = vectors(300, seed=2)
    store = LocalVectorStore(path, dtype=dtype)  # 300 < exact_threshold: exhaustive
    await store.upsert(np.arange(300), x)
    [res] = await store.query_many(x[:1] * 0.5 + x[1:2], top_k=5, exclude=[1])
    dist = cosine(x[:1] * 0.5 + x[1:2], x)[0]
    dist[1] = np.inf
    assert res.ids.tolist() == np.argsort(dist)[:5].tolist()
    np.testing.assert_allclose(res.distances, np.sort(dist)[:5], atol=1e-6)


@pytest.mark.parametrize("dtype", COMPACT)
async def test_each_write_is_a_new_generation_behind_one_link(path, dtype):
    store = LocalVectorStore(path, dtype=dtype)
    reader = LocalVectorStore(path, dtype=dtype)
    await store.upsert([1, 2], vectors(2))
    assert path.is_symlink()
    [first] = generations(path)
    assert first.startswith("vectors.usearch.")
    assert first.endswith(".d")
    assert sorted(os.listdir(path.parent / first)) == [
        "graph.usearch",
        "keys.npy",
        "norms.npy",
        "vectors.npy",
    ]
    before = await reader.get_vectors([1, 2])  # the reader maps the first generation
    await store.upsert([2, 3], vectors(2, seed=5))
    [second] = generations(path)  # the old one was removed, no temporary left behind
    assert second != first
    assert await reader.count() == 3  # it notices and re-maps
    got = await reader.get_vectors([1, 2, 3])
    np.testing.assert_array_equal(got.vectors[0], before.vectors[0])
    np.testing.assert_array_equal(got.vectors[1:], vectors(2, seed=5))
    await store.delete([1, 3])
    assert (await reader.get_vectors([1, 2, 3])).ids.tolist() == [2]


@pytest.mark.parametrize("dtype", COMPACT)
async def test_switching_types_reads_as_is_and_rebuilds_on_write(path, dtype):
    x = vectors(50, seed=3)
    await LocalVectorStore(path, dtype="f32").upsert(np.arange(50), x)
    assert not path.is_symlink()
    compact = LocalVectorStore(path, dtype=dtype)
    np.testing.assert_array_equal((await compact.get_vectors(np.arange(50))).vectors, x)
    await compact.upsert([50], vectors(1, seed=4))  # rebuilt in the configured type
    assert path.is_symlink()
    assert len(generations(path)) == 1
    np.testing.assert_array_equal((await compact.get_vectors(np.arange(50))).vectors, x)
    assert await compact.count() == 51

    plain = LocalVectorStore(path, dtype="f32")
    assert await plain.count() == 51  # a compact index reads fine with f32 configured
    await plain.delete([50])  # and the next write makes it one f32 file again
    assert not path.is_symlink()
    assert generations(path) == []
    np.testing.assert_array_equal((await plain.get_vectors(np.arange(50))).vectors, x)


@pytest.mark.parametrize("dtype", COMPACT)
async def test_a_compact_graph_without_its_vectors_is_refused(path, dtype):
    await LocalVectorStore(path, dtype=dtype).upsert([1, 2, 3], vectors(3))
    lone = path.parent / "copied.usearch"
    shutil.copyfile(path, lone)  # follows the link: the graph alone, bf16 values in it
    with pytest.raises(VectorStoreUnavailable, match="without its exact vectors"):
        await LocalVectorStore(lone).get_vectors([1])


async def test_a_graph_and_vectors_of_different_generations_are_refused(path):
    store = LocalVectorStore(path, dtype="bf16")
    await store.upsert([1, 2, 3], vectors(3))
    saved = path.parent.parent / "keys.saved"
    shutil.copyfile(path.parent / generations(path)[0] / "keys.npy", saved)
    await store.upsert([4], vectors(1, seed=8))
    [current] = generations(path)
    os.replace(saved, path.parent / current / "keys.npy")  # three keys, four vectors
    with pytest.raises(VectorStoreUnavailable, match="do not match"):
        await LocalVectorStore(path, dtype="bf16").count()


async def test_a_dangling_link_is_unavailable_not_empty(path):
    await LocalVectorStore(path, dtype="bf16").upsert([1], vectors(1))
    shutil.rmtree(path.parent / generations(path)[0])
    with pytest.raises(VectorStoreUnavailable, match="no longer exists"):
        await LocalVectorStore(path, dtype="bf16").count()


async def test_a_generation_removed_while_it_is_opened_is_resolved_again(path):
    """A writer removes the generation it replaced file by file: a reader that finds the
    directory with a file gone resolves the link again (here it still names the
    half-removed one, so it gives up after its attempts) instead of answering at once that
    the store is unusable."""
    await LocalVectorStore(path, dtype="bf16").upsert([1], vectors(1))
    [current] = generations(path)
    (path.parent / current / "keys.npy").unlink()
    with pytest.raises(VectorStoreUnavailable, match="no longer exists"):
        await LocalVectorStore(path, dtype="bf16").count()


def test_unknown_dtype_is_refused(path):
    with pytest.raises(InvalidInput, match="dtype"):
        LocalVectorStore(path, dtype="i8")


def test_settings_choose_the_type_and_search_depth(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGUE_LOCAL_INDEX_DTYPE", "f16")
    monkeypatch.setenv("SEGUE_LOCAL_EF_SEARCH", "96")
    store = open_store(Settings(data_dir=tmp_path))
    assert isinstance(store, LocalVectorStore)
    assert (store.dtype, store.expansion_search) == ("f16", 96)
    monkeypatch.setenv("SEGUE_LOCAL_INDEX_DTYPE", "f64")
    with pytest.raises(ValueError, match="f32"):
        Settings(data_dir=tmp_path)
