"""``segue recommend --playlist ID`` answers what the API answers the playlist's owner (issue
26, item 9): the same ids in the same order, on a catalog where the vector store's nearest
tracks are hidden, deleted, dismissed or by the playlist's own artist, while the track-id
form, the store alone, suggests them."""

from __future__ import annotations

import asyncio
import json

from typer.testing import CliRunner, Result

from segue.cli import app

from .conftest import DELETED, HIDDEN, World, artist_of


async def _segue(world: World, *args: str) -> Result:
    settings = world.settings
    env = {"SEGUE_DATABASE_URL": settings.catalog_url, "SEGUE_DATA_DIR": str(settings.data_dir)}
    if settings.redis_url is not None:
        env |= {
            "SEGUE_REDIS_URL": settings.redis_url.get_secret_value(),
            "SEGUE_CACHE_PREFIX": settings.cache_prefix,
        }
    else:
        env["SEGUE_CACHE_BACKEND"] = "memory"
    # The command runs its own event loop: in a thread, beside the API's.
    result = await asyncio.to_thread(CliRunner().invoke, app, ["recommend", *args], env=env)
    assert result.exit_code == 0, result.output
    return result


async def test_playlist_form_agrees_with_the_api(world: World) -> None:
    ids = ("1", "2", "3", "4")  # the playlist's tracks, all by artist 0
    nearest = [
        row["id"] for row in json.loads((await _segue(world, *ids, "-n", "12", "--json")).stdout)
    ]
    # The store alone suggests the hidden and the deleted track, and artist 0 first.
    assert {HIDDEN, DELETED} <= set(nearest)
    assert [artist_of(i) for i in nearest[:3]] == [0, 0, 0]
    r = await world.client.post(
        f"/playlists/{world.playlist}/recommendations/dismissed",
        json={"track_id": nearest[0]},
        headers=world.auth(),
    )
    assert r.status_code == 204, r.text

    # The command first: with Redis it computes and caches, and the API reads its ranking
    # under the same key; with the in-process cache each computes its own.
    shown = json.loads(
        (await _segue(world, "--playlist", world.playlist, "-n", "10", "--json")).stdout
    )
    r = await world.client.get(
        f"/playlists/{world.playlist}/recommendations?limit=10", headers=world.auth()
    )
    assert r.status_code == 200, r.text
    api = r.json()
    assert [t["id"] for t in shown["tracks"]] == [t["id"] for t in api["tracks"]]
    assert (shown["available"], shown["more"]) == (api["available"], api["more"])
    assert [t["because"] for t in shown["tracks"]] == [t["because"] for t in api["tracks"]]

    suggested = [t["id"] for t in shown["tracks"]]
    assert len(suggested) == 10
    assert not {nearest[0], HIDDEN, DELETED} & set(suggested)
    assert len({artist_of(i) for i in suggested[:3]}) == 3  # variety: one per artist
    assert shown["tracks"][0]["title"] == f"Track {suggested[0]}"
    assert shown["tracks"][0]["artist_display_name"] == f"Artist {artist_of(suggested[0])}"

    table = (await _segue(world, "--playlist", world.playlist)).stdout
    assert f"Track {suggested[0]}" in table
    assert f"Artist {artist_of(suggested[0])}" in table


async def test_playlist_form_refuses_an_unknown_playlist_and_both_forms(world: World) -> None:
    env = {"SEGUE_DATABASE_URL": world.settings.catalog_url, "SEGUE_CACHE_BACKEND": "none"}
    runner = CliRunner()
    unknown = await asyncio.to_thread(
        runner.invoke, app, ["recommend", "--playlist", "3kq2d7x4m5zzz"], env=env
    )
    assert unknown.exit_code == 2
    assert "no playlist '3kq2d7x4m5zzz'" in unknown.stderr
    both = await asyncio.to_thread(
        runner.invoke, app, ["recommend", "1", "--playlist", world.playlist], env=env
    )
    assert both.exit_code == 2
    assert "give TRACK_IDs or --playlist ID" in both.stderr
