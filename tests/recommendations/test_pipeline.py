"""The pipeline end to end on the local store: plan, one multi-query, fusion."""

import numpy as np
import pytest

from segue.engine import BLEND_QUERIES, DEFAULT_STRATEGY, STRATEGIES, Adaptive, Together
from segue.errors import InvalidInput
from segue.ingest import SyntheticCatalog, synthetic_catalog
from segue.recommendations import recommend, resolve_strategy
from segue.settings import Settings
from segue.vectors import LocalVectorStore


class CountingStore(LocalVectorStore):
    """The real local store, counting round trips."""

    #: the catalog its vectors came from (the fixture sets it)
    catalog: SyntheticCatalog

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
    # together without a co-occurrence list: blend's plan and ranking
    assert DEFAULT_STRATEGY == "together"
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
    assert resolve_strategy() == Together()
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


async def test_because_is_the_closest_playlist_track_and_costs_no_round_trip(store):
    cat = store.catalog
    playlist = cat.ids[cat.style == 2][:12]
    ranking = await recommend(store, playlist, limit=10)
    assert store.calls == ["get_vectors", f"query_many[{BLEND_QUERIES}]"]
    seeds = (await store.get_vectors(playlist)).vectors
    got = (await store.get_vectors(ranking.ids)).vectors
    sim = (got / np.linalg.norm(got, axis=1, keepdims=True)) @ (
        seeds / np.linalg.norm(seeds, axis=1, keepdims=True)
    ).T
    assert ranking.because.tolist() == playlist[sim.argmax(1)].tolist()


async def test_near_duplicate_vectors_are_dropped(tmp_path):
    cat = synthetic_catalog(500, dim=16, n_styles=3, n_artists=20)
    vectors = cat.vectors.copy()
    ids = cat.ids
    # The playlist is tracks 0-2; 3 and 4 copy 0 and 1 exactly, 5 is 2 scaled (the same
    # direction), 6 is close to 0 without being a copy.
    vectors[3], vectors[4], vectors[5] = vectors[0], vectors[1], vectors[2] * 2.0
    rng = np.random.default_rng(0)
    vectors[6] = vectors[0] + 0.05 * np.linalg.norm(vectors[0]) * rng.normal(size=16)
    s = LocalVectorStore(tmp_path / "v.usearch")
    await s.upsert(ids, vectors)
    copies = {int(i) for i in ids[3:6]}
    for name in STRATEGIES:
        on = await recommend(s, ids[:3], limit=10, strategy=name)
        assert not copies & set(on.ids.tolist()), name
        assert len(on) == 10, name
    # Adaptive queries each track: with the rule off, each copy is its list's first.
    off = await recommend(s, ids[:3], limit=10, strategy="adaptive", near_duplicate_distance=0)
    assert copies == set(off.ids[:3].tolist())
    on = await recommend(s, ids[:1], limit=10, strategy="adaptive")
    assert on.ids[0] == ids[6]  # close, not identical: kept, and first
    assert (on.because == ids[0]).all()


async def test_negatives_never_come_back_and_share_the_fetch(store):
    cat = store.catalog
    playlist = cat.ids[cat.style == 2][:8]
    first = await recommend(store, playlist, limit=10)
    store.calls.clear()
    dismissed = first.ids[:3]
    again = await recommend(store, playlist, limit=10, negatives=dismissed)
    assert store.calls == ["get_vectors", f"query_many[{BLEND_QUERIES}]"]
    assert not set(dismissed.tolist()) & set(again.ids.tolist())
    assert len(again) == 10
    # A negative that is also a playlist track stays a playlist track.
    same = await recommend(store, playlist, limit=10, negatives=playlist[:1])
    assert same.ids.tolist() == first.ids.tolist()


def test_rule_settings(monkeypatch):
    assert Settings().max_per_artist == 1
    monkeypatch.setenv("SEGUE_NEAR_DUPLICATE_DISTANCE", "0")
    monkeypatch.setenv("SEGUE_MAX_PER_ARTIST", "0")
    assert Settings().near_duplicate_distance == 0
    assert Settings().max_per_artist == 0
    monkeypatch.setenv("SEGUE_MAX_PER_ARTIST", "-1")
    with pytest.raises(ValueError, match="max_per_artist"):
        Settings()


async def test_a_dismissed_tracks_copies_go_down_with_it(tmp_path):
    cat = synthetic_catalog(500, dim=16, n_styles=3, n_artists=20)
    vectors = cat.vectors.copy()
    ids = cat.ids
    s = LocalVectorStore(tmp_path / "v.usearch")
    await s.upsert(ids, vectors)
    first = await recommend(s, ids[:3], limit=10)
    dismissed = first.ids[:1]
    # Another id with the dismissed track's vector (a re-upload).
    copy_id = int(ids.max()) + 1
    await s.upsert([copy_id], vectors[dismissed - 1])
    excluded = await recommend(s, ids[:3], limit=10, exclude=dismissed)
    assert copy_id in excluded.ids[:2].tolist()
    negatives = await recommend(s, ids[:3], limit=10, negatives=dismissed)
    assert copy_id not in negatives.ids.tolist()
    assert dismissed[0] not in negatives.ids.tolist()
