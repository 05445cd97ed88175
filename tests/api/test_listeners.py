"""For listeners (issue 23, item 3): ``GET /tracks/{id}/similar`` and
``GET /playlists/{id}/continuation``, with the recommendations' engine, rules, cache and
invalidation, and their rate limits.

The world: alice's playlist holds tracks 1 to 4 (artist 0); track 13 is hidden, 14 deleted,
15 has no vector (all artist 0); bob's playlist holds track 16.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from segue.catalog import Database, bump_index_generation
from segue.catalog._models import Playlist, Track

from ..security.test_rate_limits import client_for, tuned
from .conftest import DELETED, HIDDEN, NO_VECTOR, World, artist_of
from .test_cache_key import StoreCalls

SHAPE = {"tracks", "available", "more"}


def ids(r) -> list[int]:
    return [t["id"] for t in r.json()["tracks"]]


async def test_anyone_signed_in_gets_a_playlists_continuation(world: World):
    path = f"/playlists/{world.playlist}/continuation?limit=5"
    theirs = await world.client.get(path, headers=world.auth(world.bob))
    assert theirs.status_code == 200, theirs.text
    body = theirs.json()
    assert set(body) == SHAPE
    assert body["available"] is True
    assert len(body["tracks"]) == 5
    got = ids(theirs)
    assert not set(got) & {1, 2, 3, 4, HIDDEN, DELETED}
    # "because" names a playlist track: the owner's to read, so a listener gets none.
    assert all(t["because"] is None for t in body["tracks"])
    # One ranking: the owner's suggestions and a listener's continuation are the same.
    owners = await world.client.get(
        f"/playlists/{world.playlist}/recommendations?limit=5", headers=world.auth()
    )
    assert ids(owners) == got
    own = await world.client.get(path, headers=world.auth())
    assert ids(own) == got
    assert all(t["because"]["track_id"] in (1, 2, 3, 4) for t in own.json()["tracks"])
    # The artist variety rule: at most one track of an artist among the first three.
    firsts = [artist_of(t) for t in got[:3]]
    assert len(set(firsts)) == len(firsts)


async def test_the_continuation_shares_the_recommendations_cache_entry(world: World):
    calls = StoreCalls(world)
    owners = await world.client.get(
        f"/playlists/{world.playlist}/recommendations", headers=world.auth()
    )
    assert owners.status_code == 200
    for _ in range(3):
        r = await world.client.get(
            f"/playlists/{world.playlist}/continuation", headers=world.auth(world.bob)
        )
        assert ids(r) == ids(owners)
    assert calls.n == 1


async def test_the_owners_dismissals_apply_to_the_continuation(world: World):
    path = f"/playlists/{world.playlist}/continuation?limit=3"
    first = ids(await world.client.get(path, headers=world.auth(world.bob)))
    dismissed = first[0]
    r = await world.client.post(
        f"/playlists/{world.playlist}/recommendations/dismissed",
        json={"track_id": dismissed},
        headers=world.auth(),
    )
    assert r.status_code == 204
    after = await world.client.get(f"{path.split('?')[0]}?limit=10", headers=world.auth(world.bob))
    assert dismissed not in ids(after)
    # A listener cannot dismiss for the owner.
    r = await world.client.post(
        f"/playlists/{world.playlist}/recommendations/dismissed",
        json={"track_id": first[1]},
        headers=world.auth(world.bob),
    )
    assert r.status_code == 403


async def test_continuation_404s_and_an_empty_playlist(world: World, database: Database):
    r = await world.client.get("/playlists/nosuchplaylist/continuation", headers=world.auth())
    assert r.status_code == 404
    assert r.json() == {"error": "not_found", "detail": "no playlist 'nosuchplaylist'"}
    empty = await world.client.get(
        f"/playlists/{world.empty}/continuation", headers=world.auth(world.bob)
    )
    assert empty.json() == {"tracks": [], "available": False, "more": False}
    async with database.sessionmaker() as session:
        await session.execute(
            sa.update(Playlist).where(Playlist.id == world.bobs).values(visible=False)
        )
        await session.commit()
    hidden = await world.client.get(f"/playlists/{world.bobs}/continuation", headers=world.auth())
    assert hidden.status_code == 404


async def test_similar_tracks_follow_the_rules(world: World):
    r = await world.client.get("/tracks/1/similar?limit=10", headers=world.auth(world.bob))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == SHAPE
    assert body["available"] is True
    got = ids(r)
    assert len(got) == 10
    assert 1 not in got
    assert not set(got) & {HIDDEN, DELETED, NO_VECTOR}
    # "because" would always be track 1: it is left out.
    assert all(t["because"] is None for t in body["tracks"])
    # Tracks like track 1 are mostly its artist's, but the variety rule spreads the top.
    firsts = [artist_of(t) for t in got[:3]]
    assert len(set(firsts)) == len(firsts)
    assert artist_of(got[0]) == 0


async def test_similar_tracks_page_without_repeats(world: World):
    pages = []
    for offset in (0, 3, 6):
        r = await world.client.get(
            f"/tracks/2/similar?limit=3&offset={offset}", headers=world.auth()
        )
        assert r.json()["more"] is True
        pages.append(ids(r))
    whole = ids(await world.client.get("/tracks/2/similar?limit=9", headers=world.auth()))
    assert [t for page in pages for t in page] == whole
    assert len(set(whole)) == 9


async def test_similar_404s_and_a_track_without_a_vector(world: World):
    for track in (HIDDEN, DELETED, 999_999):
        r = await world.client.get(f"/tracks/{track}/similar", headers=world.auth())
        assert r.status_code == 404, (track, r.text)
        assert r.json() == {"error": "not_found", "detail": f"no track {track}"}
    r = await world.client.get(f"/tracks/{NO_VECTOR}/similar", headers=world.auth())
    assert r.json() == {"tracks": [], "available": False, "more": False}
    bad = await world.client.get("/tracks/-1/similar", headers=world.auth())
    assert bad.status_code == 422


async def test_similar_tracks_are_cached_under_their_own_key_and_invalidated(
    world: World, database: Database
):
    calls = StoreCalls(world)
    first = await world.client.get("/tracks/3/similar?limit=5", headers=world.auth())
    again = await world.client.get("/tracks/3/similar?limit=5", headers=world.auth(world.bob))
    assert ids(again) == ids(first)
    assert calls.n == 1  # a hit, whoever asks
    recommender = world.app.state.resources.recommender
    async with world.app.state.resources.database.reading() as conn:
        from segue.catalog import track_head
        from segue.recommendations._subjects import track_seeds

        seeds = track_seeds(await track_head(conn, 3))
    key = recommender.cache_key(seeds, kind="similar")
    prefix = re.escape(world.settings.cache_prefix)
    assert re.fullmatch(rf"{prefix}:[0-9a-f]{{8}}\.\d+\.0\.0:similar:3:t[0-9a-f]{{16}}", key), key
    # A suggestion hidden since is not shown, from the same cached ranking.
    shown = ids(first)[0]
    async with database.sessionmaker() as session:
        await session.execute(sa.update(Track).where(Track.id == shown).values(visible=False))
        await session.commit()
    hidden = await world.client.get("/tracks/3/similar?limit=5", headers=world.auth())
    assert shown not in ids(hidden)
    assert ids(hidden)[:4] == ids(first)[1:]
    assert calls.n == 1
    # Vectors written since: a new key, computed again.
    await bump_index_generation(database)
    await world.client.get("/tracks/3/similar?limit=5", headers=world.auth())
    assert calls.n == 2


async def test_listener_routes_spend_reads_and_misses_like_recommendations(world: World):
    async with client_for(tuned(world, rate_limit_misses_per_minute=2)) as c:
        h = world.auth(world.bob)
        for _ in range(5):  # one miss, then hits
            assert (await c.get("/tracks/5/similar", headers=h)).status_code == 200
        assert (
            await c.get(f"/playlists/{world.playlist}/continuation", headers=h)
        ).status_code == 200
        refused = await c.get("/tracks/6/similar", headers=h)  # a third miss
        assert refused.status_code == 429
        assert refused.json()["error"] == "rate_limited"
        assert "miss" in refused.json()["detail"]
        # Hits are still served; alice's own budget is untouched.
        assert (await c.get("/tracks/5/similar", headers=h)).status_code == 200
        assert (await c.get("/tracks/6/similar", headers=world.auth())).status_code == 200
    async with client_for(tuned(world, rate_limit_reads_per_minute=2)) as c:
        h = world.auth(world.bob)
        statuses = [(await c.get("/tracks/5/similar", headers=h)).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]


async def test_listener_routes_need_a_credential(world: World):
    for path in ("/tracks/1/similar", f"/playlists/{world.playlist}/continuation"):
        r = await world.client.get(path)
        assert r.status_code == 401
        assert r.json()["error"] == "unauthorized"
