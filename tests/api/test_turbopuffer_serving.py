"""The API on the turbopuffer backend (the stand-in on 127.0.0.1, the client's own
transport): the namespace warmed at start-up, and with eventual reads a ranking computed
within turbopuffer's staleness bound of a vector write cached no longer than that bound."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from segue.api import create_app
from segue.cache import CachedRanking, MemoryCache
from segue.catalog import (
    Database,
    bump_index_generation,
    create_playlist,
    create_token,
    playlist_head,
)
from segue.settings import Settings
from segue.vectors import TurbopufferVectorStore

from ..vectors.tpuf_standin import LoopbackServer, TurbopufferStandin
from .conftest import _seed

NAMESPACE = "segue-serving"
DEFAULT_TTL = 24 * 3600


@dataclass
class TpufWorld:
    client: httpx.AsyncClient
    app: FastAPI
    standin: TurbopufferStandin
    token: str
    playlist: str

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def store(self) -> TurbopufferVectorStore:
        store = self.app.state.resources.store
        assert isinstance(store, TurbopufferVectorStore)
        return store


@pytest.fixture(params=["strong", "eventual"])
async def tpuf_world(
    request: pytest.FixtureRequest, api_settings: Settings, database: Database
) -> AsyncIterator[TpufWorld]:
    standin = TurbopufferStandin()
    with LoopbackServer(standin) as server:
        writer = TurbopufferVectorStore(
            namespace=NAMESPACE, api_key=standin.api_key, base_url=server.base_url
        )
        dids, _ = await _seed(database, writer)  # type: ignore[arg-type]
        await writer.aclose()
        async with database.sessionmaker() as s:
            token = (await create_token(s, dids["alice"])).token
            playlist = await create_playlist(s, dids["alice"], "Mine")
        settings = Settings.model_validate(
            {
                **api_settings.model_dump(),
                "vector_backend": "turbopuffer",
                "turbopuffer_api_key": standin.api_key,
                "turbopuffer_base_url": server.base_url,
                "turbopuffer_namespace": NAMESPACE,
                "turbopuffer_consistency": request.param,
            }
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://t.test") as client:
                w = TpufWorld(client, app, standin, token, playlist.id)
                for t in (1, 2, 3):
                    r = await client.post(
                        f"/playlists/{playlist.id}/tracks", json={"track_id": t}, headers=w.auth()
                    )
                    assert r.status_code == 200, r.text
                yield w


async def _ttl(w: TpufWorld, request: pytest.FixtureRequest) -> float:
    """Seconds the playlist's current cache entry has left."""
    resources = w.app.state.resources
    async with resources.database.reading() as conn:
        key = resources.recommender.cache_key(await playlist_head(conn, w.playlist))
    if isinstance(resources.cache, MemoryCache):
        left = resources.cache.remaining_ttl(key)
        assert left is not None, "nothing cached"
        return left
    ms = request.getfixturevalue("redis_admin").pttl(key)
    assert ms > 0, "nothing cached"
    return float(ms) / 1000


async def _entry(w: TpufWorld) -> CachedRanking:
    """The playlist's current cache entry."""
    resources = w.app.state.resources
    async with resources.database.reading() as conn:
        key = resources.recommender.cache_key(await playlist_head(conn, w.playlist))
    entry: CachedRanking | None = await resources.cache.get(key)
    assert entry is not None, "nothing cached"
    return entry


async def _recommend(w: TpufWorld) -> None:
    r = await w.client.get(f"/playlists/{w.playlist}/recommendations?limit=3", headers=w.auth())
    assert r.status_code == 200, r.text
    assert r.json()["available"] is True
    assert len(r.json()["tracks"]) == 3


async def test_the_namespace_is_warmed_when_the_process_starts(tpuf_world: TpufWorld) -> None:
    warms = [r for r in tpuf_world.standin.requests if r.path.endswith("/hint_cache_warm")]
    assert len(warms) == 1
    assert warms[0].status == 200
    assert warms[0].path == f"/v1/namespaces/{NAMESPACE}/hint_cache_warm"


async def test_eventual_rankings_near_a_write_are_cached_within_the_staleness_bound(
    tpuf_world: TpufWorld, database: Database, request: pytest.FixtureRequest
) -> None:
    w = tpuf_world
    eventual = w.store.consistency == "eventual"
    before = len(w.standin.requests)
    await _recommend(w)
    queries = [r.body for r in w.standin.requests[before:] if r.path.endswith("/query")]
    assert len(queries) == 2  # the fetch, then one multi-query
    for body in queries:
        want = {"level": "eventual", "max_staleness_seconds": 60} if eventual else None
        assert body.get("consistency") == want
    # The process has just seen this index generation for the first time (it may be a
    # write a moment ago): with eventual reads, the ranking lives at most 60 s.
    if eventual:
        assert await _ttl(w, request) <= 60
    else:
        assert await _ttl(w, request) > DEFAULT_TTL - 60
    # Marked so in the entry: a longer ranking will not keep it as its start.
    assert (await _entry(w)).provisional is eventual
    # Long after the last write, a new playlist version is cached for the full TTL...
    w.store.freshness.forget(61)
    r = await w.client.post(
        f"/playlists/{w.playlist}/tracks", json={"track_id": 20}, headers=w.auth()
    )
    assert r.status_code == 200, r.text
    await _recommend(w)
    assert await _ttl(w, request) > DEFAULT_TTL - 60
    # ...and right after vectors are written (the catalog's index generation moves), the
    # next ranking is short-lived again.
    await bump_index_generation(database)
    await _recommend(w)
    if eventual:
        assert await _ttl(w, request) <= 60
    else:
        assert await _ttl(w, request) > DEFAULT_TTL - 60


async def test_a_429_within_the_deadline_still_answers_and_only_a_lasting_one_degrades(
    tpuf_world: TpufWorld,
) -> None:
    w = tpuf_world
    url = f"/playlists/{w.playlist}/recommendations?limit=3"
    w.standin.fail_next(429, times=2, headers={"retry-after-ms": "50"}, path_suffix="/query")
    r = await w.client.get(url, headers=w.auth())
    assert r.json()["available"] is True
    assert len(r.json()["tracks"]) == 3
    assert [x.status for x in w.standin.requests if x.path.endswith("/query")][-4:-2] == [429, 429]
    # Turbopuffer refusing for longer than the request's 2 s: available: false, on time.
    r = await w.client.post(
        f"/playlists/{w.playlist}/tracks", json={"track_id": 30}, headers=w.auth()
    )
    assert r.status_code == 200, r.text
    w.standin.fail_next(429, times=10_000, headers={"retry-after-ms": "100"}, path_suffix="/query")
    r = await w.client.get(url, headers=w.auth())
    assert r.status_code == 200
    assert r.json() == {"tracks": [], "available": False, "more": False}
    w.standin.clear_faults()
