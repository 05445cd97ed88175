"""When a page runs a cached ranking dry, it is ranked further (the refill): how long the
longer ranking is cached, what a failed refill answers, and what one request may cost.

The service runs on the real catalog database and the real local vector store; the store
here only counts its searches, and can be made to fail or to answer slowly.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from segue.cache import CachedRanking, MemoryCache
from segue.catalog import Database, ensure_user, playlist_head
from segue.catalog._models import Artist, Playlist, PlaylistItem, Track
from segue.engine import Blend
from segue.errors import VectorStoreUnavailable
from segue.ingest import SyntheticCatalog, synthetic_catalog
from segue.recommendations import PageRequest, Recommender, recommend, resolve_strategy
from segue.vectors import LocalVectorStore


def store_errors() -> float:
    return (
        REGISTRY.get_sample_value(
            "segue_recommendations_unavailable_total", {"reason": "store_error"}
        )
        or 0.0
    )


OWNER = "did:plc:alice"
PLAYLIST = "mine"


class SearchStore(LocalVectorStore):
    """The real local store, recording each search's ``top_k``; ``failing`` makes a
    search raise as an unreachable store does, ``delay`` answers each one that late."""

    catalog: SyntheticCatalog

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.searches: list[int] = []
        self.failing = False
        self.delay = 0.0

    async def query_many(self, queries, *, top_k, **kw):
        self.searches.append(top_k)
        if self.failing:
            raise VectorStoreUnavailable("the store answered 503")
        if self.delay:
            await asyncio.sleep(self.delay)
        return await super().query_many(queries, top_k=top_k, **kw)


@pytest.fixture
async def store(tmp_path):
    cat = synthetic_catalog(1500, dim=16, n_styles=3, n_artists=300, seed=2)
    s = SearchStore(tmp_path / "v.usearch")
    await s.upsert(cat.ids, cat.vectors)
    s.catalog = cat
    return s


@pytest.fixture
async def seeded(database: Database, store: SearchStore) -> list[int]:
    """The catalog's tracks, and a playlist of three of them; its track ids."""
    cat = store.catalog
    mine = [int(t) for t in cat.ids[cat.style == 0][:3]]
    async with database.sessionmaker() as s:
        await ensure_user(s, OWNER, "alice.example.com", None)
        s.add_all(
            Artist(did=f"did:plc:a{a}", handle=f"a{a}.example.com", display_name=None)
            for a in np.unique(cat.artist).tolist()
        )
        s.add_all(
            Track(id=int(t), title=f"Song {int(t)}", artist_did=f"did:plc:a{int(cat.artist[i])}")
            for i, t in enumerate(cat.ids)
        )
        s.add(Playlist(id=PLAYLIST, owner_did=OWNER, name="Mine", record_cid="bafy"))
        await s.flush()
        s.add_all(
            PlaylistItem(playlist_id=PLAYLIST, track_id=t, position=i) for i, t in enumerate(mine)
        )
        await s.commit()
    return mine


def _recommender(database: Database, store: SearchStore, cache: MemoryCache, **kw) -> Recommender:
    return Recommender(
        database=database,
        store=store,
        cache=cache,
        strategy=Blend(),
        fallback=resolve_strategy("centroid"),
        max_per_artist=0,
        **kw,
    )


async def _key(database: Database, recommender: Recommender) -> str:
    async with database.reading() as conn:
        return recommender.cache_key(await playlist_head(conn, PLAYLIST))


async def _hide(database: Database, ids: list[int]) -> None:
    async with database.sessionmaker() as s:
        await s.execute(sa.update(Track).where(Track.id.in_(ids)).values(visible=False))
        await s.commit()


async def _page(recommender: Recommender, limit: int, offset: int = 0):
    return await recommender.recommend(PLAYLIST, PageRequest(limit, offset), user_did=OWNER)


async def test_a_fallback_ranking_is_not_kept_by_a_longer_one(database, store, seeded):
    """A ranking computed with the fallback plan is cached for fallback_ttl_seconds only; a
    later page that runs it dry ranks anew with the full plan rather than keeping it as the
    start of a ranking cached for the whole TTL."""
    cache = MemoryCache(ttl_seconds=86_400)
    recommender = _recommender(database, store, cache, max_in_flight=1, max_waiting=0)
    key = await _key(database, recommender)
    # Under load: the only slot is taken and no one may wait, so the fallback plan answers.
    async with recommender.admission.slot(wait_seconds=0) as held:
        assert held is None
        first = await _page(recommender, 3)
    assert first.available
    assert len(first.tracks) == 3
    fallback = await cache.get(key)
    assert fallback is not None
    assert cache.remaining_ttl(key) <= recommender.fallback_ttl_seconds  # type: ignore[operator]
    # The load is gone; a page past the end of the 50 runs the entry dry.
    deep = await _page(recommender, 5, offset=48)
    assert deep.available
    assert len(deep.tracks) == 5
    longer = await cache.get(key)
    assert longer is not None
    assert longer.asked > fallback.asked
    lasting = cache.remaining_ttl(key) > recommender.fallback_ttl_seconds  # type: ignore[operator]
    assert lasting
    assert list(longer[: len(fallback)]) != list(fallback)
    # A lasting entry is the full plan's alone: what a process that never saw the load caches.
    unloaded_cache = MemoryCache(ttl_seconds=86_400)
    unloaded = _recommender(database, store, unloaded_cache)
    unloaded_deep = await _page(unloaded, 5, offset=48)
    assert [t.id for t in unloaded_deep.tracks] == [t.id for t in deep.tracks]
    assert list(longer) == list(await unloaded_cache.get(key) or [])
    # Marked in the entry: the brief one provisional, the lasting one not.
    assert fallback.provisional
    assert not longer.provisional


async def test_a_lasting_ranking_is_kept_by_a_longer_fallback_one_only_briefly(
    database, store, seeded
):
    """The other way round: a lasting entry extended under load keeps its start (pages
    already shown stay as they were), and the longer, partly fallback, ranking is cached
    briefly and marked so."""
    cache = MemoryCache(ttl_seconds=86_400)
    recommender = _recommender(database, store, cache, max_in_flight=1, max_waiting=0)
    key = await _key(database, recommender)
    await _page(recommender, 3)
    full = await cache.get(key)
    assert full is not None
    assert not full.provisional
    async with recommender.admission.slot(wait_seconds=0):
        deep = await _page(recommender, 5, offset=48)
    assert len(deep.tracks) == 5
    longer = await cache.get(key)
    assert longer is not None
    assert longer.provisional
    assert list(longer[: len(full)]) == list(full)
    assert cache.remaining_ttl(key) <= recommender.fallback_ttl_seconds  # type: ignore[operator]


async def _thinned(database: Database, recommender: Recommender, keep: int) -> CachedRanking:
    """Cache this playlist's ranking, then hide all but its first ``keep`` suggestions."""
    await _page(recommender, 3)
    ranked = await recommender.cache.get(await _key(database, recommender))
    assert ranked is not None
    assert len(ranked) > keep + 3
    await _hide(database, list(ranked[keep:]))
    return ranked


async def test_a_failed_refill_still_answers_what_the_cached_ranking_shows(database, store, seeded):
    cache = MemoryCache()
    recommender = _recommender(database, store, cache)
    ranked = await _thinned(database, recommender, keep=1)
    store.failing = True
    store.searches.clear()
    errors = store_errors()
    page = await _page(recommender, 3)
    assert store.searches  # the refill was tried, and failed
    assert [t.id for t in page.tracks] == [ranked[0]]
    assert page.available
    assert not page.more
    # Not counted as an answer without suggestions: it was not one.
    assert store_errors() == errors
    assert await cache.get(await _key(database, recommender)) == ranked  # left as it was
    # Nothing left to show: then the store's failure is the answer.
    await _hide(database, [ranked[0]])
    assert await _page(recommender, 3) == type(page)(tracks=(), available=False, more=False)
    assert store_errors() == errors + 1


async def test_a_refill_that_times_out_still_answers_what_the_cached_ranking_shows(
    database, store, seeded
):
    cache = MemoryCache()
    recommender = _recommender(database, store, cache, timeout_seconds=0.2)
    ranked = await _thinned(database, recommender, keep=2)
    store.delay = 60.0  # far past the request's deadline: the refill never answers in time
    page = await _page(recommender, 3)
    assert [t.id for t in page.tracks] == list(ranked[:2])
    assert page.available
    assert not page.more
    await recommender.aclose()  # the computation left running in the background


async def test_a_deep_page_is_one_search(database, store, seeded):
    cache = MemoryCache()
    recommender = _recommender(database, store, cache)
    store.searches.clear()
    page = await _page(recommender, 10, offset=990)
    assert len(page.tracks) == 10
    # Asked for enough candidates for the page at once, not 50, 200, 800, then 1,000.
    assert len(store.searches) == 1
    ranked = await cache.get(await _key(database, recommender))
    assert ranked is not None
    assert ranked.asked == 1000
    # A shallow page still asks for the configured number.
    store.searches.clear()
    first = await _page(_recommender(database, store, MemoryCache()), 3)
    assert len(first.tracks) == 3
    assert len(store.searches) == 1


async def test_the_refills_of_one_request_share_its_deadline(database, store, seeded):
    """Hidden tracks thin every ranking up to 800 candidates, so a page takes the cached
    ranking's refill to 200 and then 800. Each search answers after 60% of the request's
    timeout: two in a row cannot both answer before its deadline, so the request answers
    what it has (nothing here: unavailable) rather than waiting for the second."""
    timeout = 0.5
    cache = MemoryCache()
    recommender = _recommender(database, store, cache, timeout_seconds=timeout)
    unhurried = _recommender(database, store, MemoryCache())
    for each in (recommender, unhurried):
        await _page(each, 3)  # a ranking of 50 is cached
    # Shown: only tracks the store ranks far down (there are 1,497 candidates).
    deep = await recommend(store, seeded, limit=1000, strategy=Blend())
    await _hide(database, [int(t) for t in deep.ids[:600]])
    # Without a deadline the refills get to a full page (the store answers every search).
    store.searches.clear()
    assert len((await _page(unhurried, 3)).tracks) == 3
    assert len(store.searches) == 2  # ranked 200, then 800
    store.searches.clear()
    store.delay = 0.6 * timeout
    page = await _page(recommender, 3)
    assert len(page.tracks) < 3
    assert not page.more
    assert len(store.searches) <= 2
    await recommender.aclose()
