"""POST and DELETE /playlists/{id}/recommendations/dismissed: a dismissed track is never
suggested for that playlist again, survives a restart, moves the cache key, and reaches
the pipeline as a negative example (its vector fetched with the playlist's, in the same
round trip). On PostgreSQL with Redis and on SQLite with the in-process cache."""

from __future__ import annotations

import httpx
import pytest

from segue.api import create_app
from segue.catalog import Database, playlist_head

from .conftest import World


def recs(w: World, playlist: str | None = None, limit: int = 10) -> str:
    return f"/playlists/{playlist or w.playlist}/recommendations?limit={limit}"


def dismissed(w: World, playlist: str | None = None) -> str:
    return f"/playlists/{playlist or w.playlist}/recommendations/dismissed"


async def suggested(w: World, playlist: str | None = None, limit: int = 10) -> list[int]:
    r = await w.client.get(recs(w, playlist, limit), headers=w.auth())
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["tracks"]]


class StoreCalls:
    """Records the store's calls: the ids of each vector fetch, and the multi-queries."""

    def __init__(self, world: World) -> None:
        self.fetched: list[list[int]] = []
        self.queries = 0
        store = world.app.state.resources.store
        get_vectors, query_many = store.get_vectors, store.query_many

        async def fetching(ids, *args, **kwargs):
            self.fetched.append([int(i) for i in ids])
            return await get_vectors(ids, *args, **kwargs)

        async def querying(*args, **kwargs):
            self.queries += 1
            return await query_many(*args, **kwargs)

        store.get_vectors, store.query_many = fetching, querying


async def test_dismissed_is_never_suggested_again_until_undone(world: World):
    c, h = world.client, world.auth()
    before = await suggested(world)
    gone = before[0]
    r = await c.post(dismissed(world), json={"track_id": gone}, headers=h)
    assert r.status_code == 204
    assert r.content == b""
    after = await suggested(world)
    assert gone not in after
    assert len(after) == 10  # the next one fills its place
    for limit in (1, 3):
        assert gone not in await suggested(world, limit=limit)
    r = await c.delete(f"{dismissed(world)}/{gone}", headers=h)
    assert r.status_code == 204
    assert r.content == b""
    assert gone in await suggested(world)


async def test_a_dismissal_moves_the_key_and_steers_as_a_negative(world: World):
    calls = StoreCalls(world)
    first = await suggested(world)
    await suggested(world)
    assert calls.queries == 1  # the second was a hit
    r = await world.client.post(dismissed(world), json={"track_id": first[0]}, headers=world.auth())
    assert r.status_code == 204
    await suggested(world)
    assert calls.queries == 2  # a new key: computed again
    # Its vector came with the playlist's, in the same single fetch: two round trips.
    assert len(calls.fetched) == 2
    assert set(calls.fetched[1]) == {1, 2, 3, 4, first[0]}
    await suggested(world)
    assert calls.queries == 2
    await world.client.delete(f"{dismissed(world)}/{first[0]}", headers=world.auth())
    await suggested(world)
    assert calls.queries == 3  # the undo is a new key too
    async with world.app.state.resources.database.reading() as conn:
        head = await playlist_head(conn, world.playlist)
    assert head.dismissals_generation == 2
    key = world.app.state.resources.recommender.cache_key(head)
    assert f".{head.seeds_generation}.2:recommendations:" in key


async def test_dismissals_are_per_playlist(world: World):
    c, h = world.client, world.auth()
    r = await c.post("/playlists", json={"name": "Same tracks"}, headers=h)
    other = r.json()["id"]
    for t in (1, 2, 3, 4):
        await c.post(f"/playlists/{other}/tracks", json={"track_id": t}, headers=h)
    gone = (await suggested(world))[0]
    await c.post(dismissed(world), json={"track_id": gone}, headers=h)
    assert gone not in await suggested(world)
    assert gone in await suggested(world, other)


async def test_a_dismissal_survives_a_restart(world: World, database: Database):
    gone = (await suggested(world))[0]
    r = await world.client.post(dismissed(world), json={"track_id": gone}, headers=world.auth())
    assert r.status_code == 204
    app = create_app(world.settings)  # a new process: its own cache, its own catalog reads
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as c:
            r = await c.get(recs(world), headers=world.auth())
    got = [t["id"] for t in r.json()["tracks"]]
    assert len(got) == 10
    assert gone not in got


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"track_id": 1}, 409, "conflict"),  # in the playlist
        ({"track_id": 999}, 404, "not_found"),
        ({"track_id": "20"}, 422, "invalid_input"),
        ({"track_id": True}, 422, "invalid_input"),
        ({"track_id": 20.0}, 422, "invalid_input"),
        ({"track_id": -1}, 422, "invalid_input"),
        ({"track_id": 2**53}, 422, "invalid_input"),
        ({"track_id": 20, "why": "meh"}, 422, "invalid_input"),
        ({}, 422, "invalid_input"),
        ([20], 422, "invalid_input"),
    ],
)
async def test_refused_dismissals(world: World, body: object, status: int, error: str):
    r = await world.client.post(dismissed(world), json=body, headers=world.auth())
    assert r.status_code == status, r.text
    assert r.json()["error"] == error
    assert (await suggested(world)) == (await suggested(world))  # nothing changed meanwhile


async def test_undo_of_what_is_not_dismissed_is_404(world: World):
    r = await world.client.delete(f"{dismissed(world)}/20", headers=world.auth())
    assert r.status_code == 404
    assert r.json() == {
        "error": "not_found",
        "detail": "track 20 is not dismissed for this playlist",
    }


async def test_only_the_owner_dismisses(world: World):
    r = await world.client.post(
        dismissed(world, world.bobs), json={"track_id": 20}, headers=world.auth()
    )
    assert r.status_code == 403
    r = await world.client.post(
        dismissed(world), json={"track_id": 20}, headers=world.auth(world.bob)
    )
    assert r.status_code == 403
    r = await world.client.delete(f"{dismissed(world, world.bobs)}/20", headers=world.auth())
    assert r.status_code == 403
    r = await world.client.post(dismissed(world), json={"track_id": 20})
    assert r.status_code == 401


async def test_dismissing_again_changes_nothing_not_even_the_key(world: World):
    """A repeated dismissal (a retry, a double click) keeps the cached ranking: the next
    request is a hit, not a miss that the token's miss budget pays for."""
    calls = StoreCalls(world)
    gone = (await suggested(world))[0]
    r = await world.client.post(dismissed(world), json={"track_id": gone}, headers=world.auth())
    assert r.status_code == 204
    after = await suggested(world)
    assert calls.queries == 2
    r = await world.client.post(dismissed(world), json={"track_id": gone}, headers=world.auth())
    assert r.status_code == 204
    assert await suggested(world) == after
    assert calls.queries == 2  # a hit
    async with world.app.state.resources.database.reading() as conn:
        assert (await playlist_head(conn, world.playlist)).dismissals_generation == 1
