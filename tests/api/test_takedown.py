"""A track taken down with ``segue import tracks`` (``deleted: true``) is never suggested,
and never used as a seed, even when it stays in a playlist."""

from __future__ import annotations

from segue.catalog import Database
from segue.ingest import Problems, Row, import_tracks, parse_tracks

from .conftest import PER_ARTIST, World, artist_of

SEED = 1  # artist 0
TAKEN_DOWN_SEED = 2 * PER_ARTIST + 1  # artist 2's first track


async def _take_down(database: Database, *track_ids: int, deleted: bool = True) -> None:
    """Delete tracks the way a platform would: a tracks file with ``deleted``."""
    rows = [
        Row(
            f"line {n}",
            {
                "id": i,
                "title": f"Track {i}",
                "artist_did": f"did:plc:artist{artist_of(i)}",
                "artist_handle": f"artist{artist_of(i)}.example.com",
                "artist_display_name": f"Artist {artist_of(i)}",
                "image_url": f"https://img.example/{i}.png",
                "deleted": deleted,
            },
        )
        for n, i in enumerate(track_ids, 1)
    ]
    await import_tracks(database, parse_tracks(rows, Problems("takedown")))


async def _playlist(w: World, name: str, tracks: list[int]) -> str:
    r = await w.client.post("/playlists", json={"name": name}, headers=w.auth())
    pid = str(r.json()["id"])
    for t in tracks:
        r = await w.client.post(f"/playlists/{pid}/tracks", json={"track_id": t}, headers=w.auth())
        assert r.status_code == 200, r.text
    return pid


async def _suggested(w: World, pid: str) -> list[int]:
    r = await w.client.get(f"/playlists/{pid}/recommendations?limit=10", headers=w.auth())
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["tracks"]]


async def test_a_deleted_track_is_neither_seed_nor_suggestion(world: World, database: Database):
    # Suggestions in order of similarity, so the seeds show in their artists: without the
    # artist variety rule, which brings other artists up on purpose.
    world.app.state.resources.recommender.max_per_artist = 0
    alone = await _playlist(world, "One seed", [SEED])
    before = await _playlist(world, "Two artists", [SEED, TAKEN_DOWN_SEED])
    after = await _playlist(world, "Two artists, later", [SEED, TAKEN_DOWN_SEED])

    # While both are up, both seed: artist 2 is suggested beside artist 0.
    suggested = await _suggested(world, before)
    assert any(artist_of(i) == 2 for i in suggested), suggested
    victim = (await _suggested(world, alone))[0]  # SEED's best suggestion, artist 0
    assert artist_of(victim) == 0

    await _take_down(database, TAKEN_DOWN_SEED, victim)

    # A playlist whose recommendations are computed now seeds from SEED alone.
    page = await world.client.get(f"/playlists/{after}", headers=world.auth())
    assert [t["id"] for t in page.json()["tracks"]] == [SEED]
    mine = await world.client.get("/me/playlists", headers=world.auth())
    assert {p["id"]: p["track_count"] for p in mine.json()["playlists"]}[after] == 1
    suggested = await _suggested(world, after)
    assert suggested, "the remaining seed still has neighbours"
    assert not any(artist_of(i) == 2 for i in suggested), suggested
    assert victim not in suggested
    # Whatever was ranked before, a deleted track is never shown.
    assert victim not in await _suggested(world, alone)
    assert TAKEN_DOWN_SEED not in await _suggested(world, before)
    # A playlist cached while both seeded is recomputed from the seed it has left (its
    # seeds generation moved, so its cache key did): no artist 2 from the cached ranking.
    assert not any(artist_of(i) == 2 for i in await _suggested(world, before))

    # Restored by the same means, it is suggested again.
    await _take_down(database, victim, deleted=False)
    assert victim in await _suggested(world, alone)
