"""Ids a browser can hold (at most 2**53 - 1) and names checked by the catalog's own
functions: the API refuses what the imports refuse, with a 422 naming the limit."""

from __future__ import annotations

import pytest

from segue.limits import PLAYLIST_ID_MAX_LENGTH, TRACK_ID_MAX

from .conftest import World

TOO_BIG = TRACK_ID_MAX + 1  # 2**53: JSON.parse in a browser reads it as 2**53 + 1 too


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/playlists/{p}/tracks", {"track_id": TOO_BIG}),
        ("PUT", "/playlists/{p}/tracks", {"track_ids": [4, 3, 2, 1, TOO_BIG]}),
        ("DELETE", f"/playlists/{{p}}/tracks/{TOO_BIG}", None),
    ],
)
async def test_a_track_id_past_2_53_is_refused_naming_the_limit(world: World, method, path, body):
    r = await world.client.request(
        method, path.format(p=world.playlist), json=body, headers=world.auth()
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_input"
    assert str(TRACK_ID_MAX) in r.json()["detail"]
    after = await world.client.get(f"/playlists/{world.playlist}", headers=world.auth())
    assert [t["id"] for t in after.json()["tracks"]] == [1, 2, 3, 4]


async def test_the_largest_id_is_accepted(world: World):
    base = f"/playlists/{world.playlist}/tracks"
    r = await world.client.post(base, json={"track_id": TRACK_ID_MAX}, headers=world.auth())
    assert r.status_code == 404  # valid, but no such track
    r = await world.client.delete(f"{base}/{TRACK_ID_MAX}", headers=world.auth())
    assert r.status_code == 404


async def test_the_openapi_schema_shows_the_limits(world: World):
    schema = (await world.client.get("/openapi.json")).json()
    parts = schema["components"]["schemas"]
    assert parts["NewTrack"]["properties"]["track_id"]["maximum"] == TRACK_ID_MAX
    assert parts["TrackOrder"]["properties"]["track_ids"]["items"]["maximum"] == TRACK_ID_MAX
    delete = schema["paths"]["/playlists/{playlist_id}/tracks/{track_id}"]["delete"]
    params = {p["name"]: p["schema"] for p in delete["parameters"]}
    assert params["track_id"]["maximum"] == TRACK_ID_MAX
    assert params["playlist_id"]["maxLength"] == PLAYLIST_ID_MAX_LENGTH


async def test_playlist_ids_have_the_columns_length(world: World):
    longest = "a" * PLAYLIST_ID_MAX_LENGTH
    r = await world.client.get(f"/playlists/{longest}", headers=world.auth())
    assert r.status_code == 404
    r = await world.client.get(f"/playlists/{longest}a", headers=world.auth())
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_input"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"name": "Late\\u0000night"}', "control character (U+0000)"),
        (b'{"name": "Late\\u0007night"}', "control character (U+0007)"),
        (b'{"name": "Late \\ud800 night"}', "name"),
        (b'{"name": "   "}', "the playlist name is empty"),
    ],
)
async def test_a_name_the_database_cannot_hold_is_a_422(world: World, body: bytes, says: str):
    r = await world.client.post(
        "/playlists",
        content=body,
        headers={**world.auth(), "content-type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_input"
    assert says in r.json()["detail"]
    mine = await world.client.get("/me/playlists", headers=world.auth())
    assert {p["name"] for p in mine.json()["playlists"]} == {"Mine", "Empty"}
