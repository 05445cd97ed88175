"""Request bodies are strict (issue 13, point 6): a value of the wrong JSON type is a 422,
never coerced. ``{"track_id": "12"}`` used to add track 12, and ``true`` track 1."""

from __future__ import annotations

import pytest

from ..api.conftest import World


@pytest.mark.parametrize("value", ["12", True, 12.0, "1e1", [12], None])
async def test_a_track_id_of_another_type_is_422(world: World, value: object):
    r = await world.client.post(
        f"/playlists/{world.empty}/tracks", json={"track_id": value}, headers=world.auth()
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_input"
    assert "track_id" in r.json()["detail"]
    playlist = await world.client.get(f"/playlists/{world.empty}", headers=world.auth())
    assert playlist.json()["tracks"] == []  # nothing was added


@pytest.mark.parametrize("ids", [["4", "3", "2", "1"], [4, 3, 2, True], [4.0, 3, 2, 1]])
async def test_a_reorder_with_ids_of_another_type_is_422(world: World, ids: list[object]):
    r = await world.client.put(
        f"/playlists/{world.playlist}/tracks", json={"track_ids": ids}, headers=world.auth()
    )
    assert r.status_code == 422, r.text
    assert "track_ids" in r.json()["detail"]
    playlist = await world.client.get(f"/playlists/{world.playlist}", headers=world.auth())
    assert [t["id"] for t in playlist.json()["tracks"]] == [1, 2, 3, 4]  # order unchanged


@pytest.mark.parametrize("name", [12, True, ["x"]])
async def test_a_playlist_name_of_another_type_is_422(world: World, name: object):
    r = await world.client.post("/playlists", json={"name": name}, headers=world.auth())
    assert r.status_code == 422, r.text
    assert "name" in r.json()["detail"]


async def test_the_right_types_still_work(world: World):
    r = await world.client.post(
        f"/playlists/{world.empty}/tracks", json={"track_id": 12}, headers=world.auth()
    )
    assert r.status_code == 200, r.text
    assert [t["id"] for t in r.json()["tracks"]] == [12]
