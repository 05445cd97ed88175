"""GET /playlists/{id}/recommendations beyond the seed (issue 14): pages of one ranking
(offset, more), "because", previews, and the duplicate and artist variety rules, on
PostgreSQL with Redis and on SQLite with the in-process cache."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest
import sqlalchemy as sa

from segue.api import create_app
from segue.catalog import Database
from segue.catalog._models import Track
from segue.engine import normalize
from segue.ingest import Problems, Row, import_tracks, parse_tracks
from segue.settings import Settings

from .conftest import DELETED, HIDDEN, NO_VECTOR, World, artist_of

PLAYLIST = (1, 2, 3, 4)  # the fixture's playlist: all artist 0
# Every track that may be suggested for it: the catalog's, less the playlist's and those
# hidden, deleted or without a vector.
SUGGESTIBLE = set(range(1, 61)) - {*PLAYLIST, HIDDEN, DELETED, NO_VECTOR}


async def page(w: World, limit: int, offset: int, playlist: str | None = None) -> dict[str, Any]:
    url = f"/playlists/{playlist or w.playlist}/recommendations?limit={limit}&offset={offset}"
    r = await w.client.get(url, headers=w.auth())
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [t["id"] for t in body["tracks"]]


@pytest.mark.parametrize(("limit", "candidates"), [(3, 50), (10, 50), (3, 10), (10, 10)])
async def test_pages_walk_one_ranking_to_its_end_without_repeats(
    world: World, limit: int, candidates: int
):
    # With 10 candidates, walking the pages ranks longer twice (10, 40, then 160): each
    # longer ranking keeps what the shorter one showed as it was.
    world.app.state.resources.recommender.candidates = candidates
    first = ids(await page(world, 10, 0))
    seen: list[int] = []
    offset, more = 0, True
    while more:
        body = await page(world, limit, offset)
        assert len(body["tracks"]) == limit or not body["more"], body
        seen += ids(body)
        offset, more = offset + limit, body["more"]
        assert offset <= 100, "more never turned false"
    assert len(seen) == len(set(seen))  # no track of an earlier page again
    assert set(seen) == SUGGESTIBLE  # all of them, past the first 50 cached too
    assert seen[:10] == first  # the same ranking the first page came from
    after = await page(world, limit, offset)
    assert after == {"tracks": [], "available": True, "more": False}


async def test_a_next_page_is_read_from_the_cached_ranking(world: World):
    store = world.app.state.resources.store
    calls = 0
    original = store.query_many

    async def counting(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return await original(*args, **kwargs)

    store.query_many = counting
    first = await page(world, 3, 0)
    second = await page(world, 3, 3)
    assert calls == 1
    assert first["more"]
    assert second["more"]
    assert ids(first) + ids(second) == ids(await page(world, 6, 0))
    assert calls == 1


@pytest.mark.parametrize("offset", [-1, 1001, "x", 2.5, 10**30])
async def test_offset_out_of_range(world: World, offset: object):
    r = await world.client.get(
        f"/playlists/{world.playlist}/recommendations?offset={offset}", headers=world.auth()
    )
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_input"
    assert "offset" in r.json()["detail"]


async def test_because_names_the_closest_playlist_track(world: World):
    bodies = [await page(world, 10, 0), await page(world, 10, 0)]  # computed, then cached
    assert bodies[0] == bodies[1]
    seeds = world.vectors[[t - 1 for t in PLAYLIST]]
    for t in bodies[0]["tracks"]:
        nearest = PLAYLIST[int(np.argmax(seeds @ world.vectors[t["id"] - 1]))]
        assert t["because"] == {"track_id": nearest, "title": f"Track {nearest}"}


def _row(n: int, track_id: int, title: str, artist: int, **extra: object) -> Row:
    return Row(
        f"line {n}",
        {
            "id": track_id,
            "title": title,
            "artist_did": f"did:plc:artist{artist}",
            "artist_handle": f"artist{artist}.example.com",
            "artist_display_name": f"Artist {artist}",
            **extra,
        },
    )


async def test_a_preview_comes_with_its_suggestion(world: World, database: Database):
    suggested = ids(await page(world, 3, 0))
    rows = [
        _row(1, suggested[0], f"Track {suggested[0]}", artist_of(suggested[0]),
             audio_url="https://cdn.example/previews/a.mp3"),
    ]  # fmt: skip
    await import_tracks(database, parse_tracks(rows, Problems("previews")))
    tracks = (await page(world, 3, 0))["tracks"]
    assert [t["audio_url"] for t in tracks] == ["https://cdn.example/previews/a.mp3", None, None]


async def _add(world: World, database: Database, tracks: dict[int, tuple[str, int, int]]) -> None:
    """Tracks ``id: (title, artist, vector like track n's)``, each vector a copy of track
    n's with a little noise, in the catalog and the index."""
    rng = np.random.default_rng(7)
    async with database.sessionmaker() as s:
        await s.execute(
            sa.insert(Track),
            [
                {"id": i, "title": title, "artist_did": f"did:plc:artist{artist}"}
                for i, (title, artist, _) in tracks.items()
            ],
        )
        await s.commit()
    like = np.stack([world.vectors[n - 1] for _, _, n in tracks.values()])
    noise = 0.05 * rng.normal(size=like.shape).astype(np.float32)
    await world.app.state.resources.store.upsert(np.array(list(tracks)), normalize(like + noise))


async def test_no_title_duplicate_of_a_playlist_track_nor_of_a_better_suggestion(
    world: World, database: Database
):
    await _add(
        world,
        database,
        {
            70: ("Track 1 (Remastered 2011)", 0, 1),  # a playlist track, re-released
            71: ("Twin", 1, 2),
            72: ("TWIN!", 1, 2),  # the same song again, by the same artist
            73: ("Twin", 2, 2),  # another artist's song of that name: not a duplicate
            74: ("Track 1", 3, 1),  # likewise
        },
    )
    world.app.state.resources.recommender.max_per_artist = 0
    got = []
    offset, more = 0, True
    while more:
        body = await page(world, 10, offset)
        got += ids(body)
        offset, more = offset + 10, body["more"]
    assert 70 not in got
    assert len({71, 72} & set(got)) == 1
    assert {73, 74} <= set(got)


async def test_a_near_identical_vector_of_a_playlist_track_is_left_out(
    world: World, database: Database
):
    async with database.sessionmaker() as s:
        s.add(Track(id=80, title="Another upload", artist_did="did:plc:artist3"))
        await s.commit()
    await world.app.state.resources.store.upsert(np.array([80]), world.vectors[0:1])  # track 1
    recommender = world.app.state.resources.recommender
    assert recommender.near_duplicate_distance > 0
    first = ids(await page(world, 10, 0))
    assert 80 not in first
    assert first[0] != 80


def _artist_counts(suggested: list[int], top: int) -> int:
    return int(np.bincount([artist_of(i) for i in suggested[:top]]).max())


async def test_artist_variety_by_default_and_off_with_0(world: World):
    varied = ids(await page(world, 10, 0))
    assert _artist_counts(varied, 3) == 1  # at most one per artist among the first three
    # and two among ten: the fixture's four artists fill eight places so, then the rule
    # takes the next track anyway
    assert _artist_counts(varied, 8) == 2
    settings = Settings.model_validate({**world.settings.model_dump(), "max_per_artist": 0})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert app.state.resources.recommender.keys.config != (
            world.app.state.resources.recommender.keys.config
        )  # a setting of the rules is in the key: the ranking above is not read back
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as c:
            r = await c.get(
                f"/playlists/{world.playlist}/recommendations?limit=10", headers=world.auth()
            )
    nearest = ids(r.json())
    assert {artist_of(i) for i in nearest[:3]} == {0}  # the playlist's artist, unvaried
    # the playlist artist's tracks the rule kept on top are its best, in the same order
    mine = [i for i in varied if artist_of(i) == 0]
    assert mine == nearest[: len(mine)]


async def test_a_track_hidden_when_ranked_shows_in_its_place_once_shown_again(
    world: World, database: Database
):
    world.app.state.resources.recommender.max_per_artist = 0
    full = ids(await page(world, 10, 0))
    hidden = full[2]

    async def set_visible(visible: bool) -> None:
        async with database.sessionmaker() as s:
            await s.execute(sa.update(Track).where(Track.id == hidden).values(visible=visible))
            await s.commit()

    await set_visible(False)
    # A new ranking (another playlist of the same tracks), computed while it is hidden.
    r = await world.client.post("/playlists", json={"name": "Same"}, headers=world.auth())
    other = r.json()["id"]
    for t in PLAYLIST:
        await world.client.post(
            f"/playlists/{other}/tracks", json={"track_id": t}, headers=world.auth()
        )
    without = ids(await page(world, 10, 0, other))
    assert hidden not in without
    assert without[:9] == [t for t in full if t != hidden]
    await set_visible(True)  # not a seed of either playlist: their cache keys stay
    assert ids(await page(world, 10, 0, other)) == full
