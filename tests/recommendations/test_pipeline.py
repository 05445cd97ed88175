"""The pipeline end to end on the local store: plan, one multi-query, fusion."""

import numpy as np
import pytest

from segue.engine import BLEND_QUERIES, DEFAULT_STRATEGY, STRATEGIES, Adaptive, Blend
from segue.errors import InvalidInput
from segue.ingest import synthetic_catalog
from segue.recommendations import recommend, resolve_strategy
from segue.settings import Settings
from segue.vectors import LocalVectorStore


class CountingStore(LocalVectorStore):
    """The real local store, counting round trips."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []

    async def get_vectors(self, ids):
        self.calls.append("get_vectors")
        return await super().get_vectors(ids)

    async def query_many(self, queries, **kw):
        self.calls.append(f"query_many[{queries.shape[0]}]")
        return await super().query_many(queries, **kw)


@pytest.fixture
async def store(tmp_path):
    cat = synthetic_catalog(2000, dim=32, n_styles=5, n_artists=40)
    s = CountingStore(tmp_path / "v.usearch")
    await s.upsert(cat.ids, cat.vectors)
    s.calls.clear()
    s.catalog = cat
    return s


@pytest.mark.parametrize(("n", "queries"), [(1, 1), (3, 3), (5, 5), (6, 3), (25, 3)])
async def test_two_round_trips_and_plan_sizes(store, n, queries):
    playlist = store.catalog.ids[store.catalog.style == 2][:n]
    ranking = await recommend(store, playlist, limit=10, strategy="adaptive")
    assert store.calls == ["get_vectors", f"query_many[{queries}]"]
    assert len(ranking) == 10
    assert not set(ranking.ids.tolist()) & set(playlist.tolist())


@pytest.mark.parametrize(
    ("n", "queries"),
    [(1, 1), (3, 4), (7, BLEND_QUERIES), (15, BLEND_QUERIES), (100, BLEND_QUERIES)],
)
async def test_default_strategy_two_round_trips_and_plan_sizes(store, n, queries):
    assert DEFAULT_STRATEGY == "blend"
    playlist = store.catalog.ids[store.catalog.style == 2][:n]
    ranking = await recommend(store, playlist, limit=10)
    assert store.calls == ["get_vectors", f"query_many[{queries}]"]
    assert len(ranking) == 10
    assert not set(ranking.ids.tolist()) & set(playlist.tolist())


@pytest.mark.parametrize("name", list(STRATEGIES))
async def test_every_strategy_two_round_trips(store, name):
    playlist = store.catalog.ids[store.catalog.style == 1][:40]
    ranking = await recommend(store, playlist, limit=10, strategy=name)
    assert store.calls[0] == "get_vectors"
    assert len(store.calls) == 2
    assert len(ranking) == 10
    assert not set(ranking.ids.tolist()) & set(playlist.tolist())


async def test_a_strategy_object_with_its_own_constants(store):
    playlist = store.catalog.ids[:12]
    by_object = await recommend(store, playlist, limit=10, strategy=Adaptive(rrf_k=60))
    by_name = await recommend(store, playlist, limit=10, strategy="adaptive")
    assert by_object.ids.tolist() == by_name.ids.tolist()
    assert resolve_strategy("adaptive") == Adaptive()
    assert resolve_strategy() == Blend()
    with pytest.raises(InvalidInput, match="unknown strategy"):
        resolve_strategy("nope")


def test_strategy_setting(monkeypatch):
    assert Settings().strategy == DEFAULT_STRATEGY
    monkeypatch.setenv("SEGUE_STRATEGY", "adaptive")
    assert Settings().strategy == "adaptive"
    monkeypatch.setenv("SEGUE_STRATEGY", "nope")
    with pytest.raises(ValueError, match="unknown strategy"):
        Settings()


@pytest.mark.parametrize("name", list(STRATEGIES))
async def test_recommendations_share_the_playlists_style(store, name):
    cat = store.catalog
    playlist = cat.ids[cat.style == 3][:25]
    ranking = await recommend(store, playlist, limit=10, strategy=name)
    styles = cat.style[ranking.ids - 1]
    assert (styles == 3).mean() >= 0.9


async def test_tracks_without_embeddings_are_skipped(store):
    with_vec = await recommend(store, [1, 2], limit=5)
    with_missing = await recommend(store, [1, 2, 10**9], limit=5)
    assert with_vec.ids.tolist() == with_missing.ids.tolist()


async def test_no_embeddings_no_recommendations(store):
    assert len(await recommend(store, [10**9, 10**9 + 1], limit=3)) == 0
    assert store.calls == ["get_vectors"]
    assert len(await recommend(store, [], limit=3)) == 0


async def test_limit_fills_despite_a_large_playlist(store):
    playlist = store.catalog.ids[:300]
    assert len(await recommend(store, playlist, limit=10)) == 10


async def test_bad_limit(store):
    with pytest.raises(InvalidInput, match="limit"):
        await recommend(store, [1], limit=0)


async def test_deterministic(store):
    a = await recommend(store, np.arange(1, 40), limit=10)
    b = await recommend(store, np.arange(39, 0, -1), limit=10)
    assert a.ids.tolist() == b.ids.tolist()
