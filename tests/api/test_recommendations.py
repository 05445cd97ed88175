"""GET /playlists/{id}/recommendations: statuses, the response shape, cache keys, fallbacks."""

from __future__ import annotations

import numpy as np
import pytest

from segue.catalog import PlaylistHead
from segue.recommendations import Recommender

from .conftest import DELETED, HIDDEN, NO_VECTOR, PER_ARTIST, World, artist_of


def url(w: World, playlist: str | None = None, **params: object) -> str:
    q = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/playlists/{playlist or w.playlist}/recommendations" + (f"?{q}" if q else "")


async def test_response_shape_and_default_limit(world: World):
    r = await world.client.get(url(world), headers=world.auth())
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"tracks", "available", "more"}
    assert body["available"] is True
    assert body["more"] is True
    assert len(body["tracks"]) == 3
    for t in body["tracks"]:
        # the seed's five fields, then issue 14's two
        assert set(t) == {
            "id",
            "title",
            "artist_handle",
            "artist_display_name",
            "image_url",
            "because",
            "audio_url",
        }
        assert t["audio_url"] is None  # none imported
        assert t["because"]["track_id"] in (1, 2, 3, 4)
        assert t["title"] == f"Track {t['id']}"
        assert t["image_url"] == f"https://img.example/{t['id']}.png"
        assert t["artist_handle"] == f"artist{artist_of(t['id'])}.example.com"


async def test_recommends_nearest_neighbours_never_the_playlist_nor_hidden(world: World):
    # Nearest first, as the store ranks them: without the artist variety rule, which
    # tests/api/test_recommendation_pages.py tests.
    world.app.state.resources.recommender.max_per_artist = 0
    r = await world.client.get(url(world, limit=10), headers=world.auth())
    ids = [t["id"] for t in r.json()["tracks"]]
    assert len(ids) == 10
    assert not {1, 2, 3, 4, HIDDEN, DELETED} & set(ids)
    # the playlist is all artist 0: its other tracks come first
    same = [i for i in range(5, PER_ARTIST + 1) if i not in (HIDDEN, DELETED, NO_VECTOR)]
    assert set(ids[: len(same)]) == set(same)


@pytest.mark.parametrize("limit", [0, 11, -1, "x", 2.5])
async def test_limit_out_of_range(world: World, limit):
    r = await world.client.get(url(world, limit=limit), headers=world.auth())
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_input"
    assert "limit" in body["detail"]


async def test_auth_owner_and_missing(world: World):
    assert (await world.client.get(url(world))).status_code == 401
    r = await world.client.get(url(world), headers=world.auth("segue_nope_nope"))
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    r = await world.client.get(url(world), headers=world.auth(world.bob))
    assert r.status_code == 403
    assert r.json()["error"] == "forbidden"
    r = await world.client.get(url(world, "nosuchplaylist"), headers=world.auth())
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"
    r = await world.client.get(url(world, "bad%20id"), headers=world.auth())
    assert r.status_code == 422


async def test_empty_playlist_is_unavailable_without_a_store_call(world: World):
    store = world.app.state.resources.store
    calls = []
    original = store.get_vectors

    async def counting(ids):
        calls.append(ids)
        return await original(ids)

    store.get_vectors = counting
    r = await world.client.get(url(world, world.empty), headers=world.auth())
    assert r.json() == {"tracks": [], "available": False, "more": False}
    assert calls == []


async def test_no_embeddings_is_unavailable(world: World):
    c, h = world.client, world.auth()
    for t in (1, 2, 3, 4):
        await c.delete(f"/playlists/{world.playlist}/tracks/{t}", headers=h)
    await c.post(f"/playlists/{world.playlist}/tracks", json={"track_id": NO_VECTOR}, headers=h)
    r = await c.get(url(world), headers=h)
    assert r.json() == {"tracks": [], "available": False, "more": False}


async def test_cache_key_follows_the_record_cid(world: World):
    c, h = world.client, world.auth()
    cache = world.app.state.resources.cache
    base = f"/playlists/{world.playlist}"

    recommender: Recommender = world.app.state.resources.recommender

    def key(cid: str) -> str:
        # generations 0: no vectors written and no track hidden since the fixture was made
        return recommender.cache_key(PlaylistHead(world.playlist, "did:plc:alice", cid, 0, 0))

    async def recommend_and_check(cid: str, members: set[int]) -> None:
        assert await cache.get(key(cid)) is None  # a new version: nothing cached yet
        r = await c.get(url(world, limit=10), headers=h)
        assert not members & {t["id"] for t in r.json()["tracks"]}
        assert await cache.get(key(cid)) is not None

    first = (await c.get(base, headers=h)).json()["record_cid"]
    await recommend_and_check(first, {1, 2, 3, 4})
    added = (await c.post(f"{base}/tracks", json={"track_id": 5}, headers=h)).json()["record_cid"]
    await recommend_and_check(added, {1, 2, 3, 4, 5})
    order = {"track_ids": [5, 4, 3, 2, 1]}
    reordered = (await c.put(f"{base}/tracks", json=order, headers=h)).json()["record_cid"]
    await recommend_and_check(reordered, {1, 2, 3, 4, 5})
    removed = (await c.delete(f"{base}/tracks/5", headers=h)).json()["record_cid"]
    assert len({first, added, reordered, removed}) == 4
    # back to the same items in a different order than at first: still its own version
    await recommend_and_check(removed, {1, 2, 3, 4})


async def test_one_entry_serves_every_limit(world: World):
    c, h = world.client, world.auth()
    store = world.app.state.resources.store
    calls = 0
    original = store.query_many

    async def counting(*a, **kw):
        nonlocal calls
        calls += 1
        return await original(*a, **kw)

    store.query_many = counting
    full = [t["id"] for t in (await c.get(url(world, limit=10), headers=h)).json()["tracks"]]
    for limit in range(1, 11):
        got = [t["id"] for t in (await c.get(url(world, limit=limit), headers=h)).json()["tracks"]]
        assert got == full[:limit]
    assert calls == 1


async def test_hidden_since_caching_is_skipped_and_limit_still_filled(world: World, database):
    c, h = world.client, world.auth()
    before = [t["id"] for t in (await c.get(url(world, limit=5), headers=h)).json()["tracks"]]
    from sqlalchemy import update

    from segue.catalog._models import Track

    async with database.sessionmaker() as s:
        await s.execute(update(Track).where(Track.id == before[0]).values(visible=False))
        await s.commit()
    after = [t["id"] for t in (await c.get(url(world, limit=5), headers=h)).json()["tracks"]]
    assert before[0] not in after
    assert after[:4] == before[1:]
    assert len(after) == 5


async def test_vector_store_failure_is_unavailable_not_500(world: World, caplog):
    from segue.errors import VectorStoreUnavailable

    store = world.app.state.resources.store

    async def broken(*a, **kw):
        raise VectorStoreUnavailable("turbopuffer answered 503")

    store.query_many = broken
    r = await world.client.get(url(world), headers=world.auth())
    assert r.status_code == 200
    assert r.json() == {"tracks": [], "available": False, "more": False}
    assert "turbopuffer answered 503" in caplog.text


async def test_vector_store_timeout_is_unavailable(world: World):
    import asyncio

    world.app.state.resources.recommender.timeout_seconds = 0.05
    store = world.app.state.resources.store

    async def hanging(*a, **kw):
        await asyncio.sleep(10)

    store.query_many = hanging
    r = await world.client.get(url(world), headers=world.auth())
    assert r.json() == {"tracks": [], "available": False, "more": False}
    # the rest of the API is unaffected
    assert (
        await world.client.get(f"/playlists/{world.playlist}", headers=world.auth())
    ).status_code == 200


def test_vectors_fixture_is_clustered(world: World):
    v = world.vectors
    same = float(np.mean(v[0:PER_ARTIST] @ v[0]))
    other = float(np.mean(v[PER_ARTIST : 2 * PER_ARTIST] @ v[0]))
    assert same > other
