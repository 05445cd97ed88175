"""Found by an adversarial run against the API (issue 26, item 10), each reproduced here."""

from __future__ import annotations

import base64
import json

import pytest

from segue.catalog import text_problem

from .conftest import World


@pytest.mark.parametrize("raw", ["1.0", "+1", "01", " 1", "1 ", "1e0", "0x1", "-0"])
async def test_path_track_ids_are_as_strict_as_bodies(world: World, raw: str) -> None:
    r = await world.client.delete(f"/playlists/{world.playlist}/tracks/{raw}", headers=world.auth())
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_input"
    after = await world.client.get(f"/playlists/{world.playlist}", headers=world.auth())
    assert [t["id"] for t in after.json()["tracks"]] == [1, 2, 3, 4]  # track 1 is still there


async def test_a_plain_decimal_path_id_still_works(world: World) -> None:
    r = await world.client.delete(f"/playlists/{world.playlist}/tracks/1", headers=world.auth())
    assert r.status_code == 200
    assert [t["id"] for t in r.json()["tracks"]] == [2, 3, 4]


async def test_a_body_nested_too_deeply_is_refused_as_input(world: World) -> None:
    deep = "[" * 100_000  # 100 kB, under the body limit; no token needed to send it
    for headers in (world.auth(), {}):
        r = await world.client.post(
            "/playlists", content=deep, headers={**headers, "content-type": "application/json"}
        )
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "invalid_input"


async def test_duplicate_json_keys_are_refused(world: World) -> None:
    r = await world.client.post(
        f"/playlists/{world.playlist}/tracks",
        content=b'{"track_id": 1, "track_id": 5}',
        headers={**world.auth(), "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.json() == {
        "error": "invalid_input",
        "detail": "the JSON body has the key 'track_id' more than once",
    }
    nested = b'{"track_ids": [1, 2, 3, 4], "x": {"a": 1, "a": 2}}'
    r = await world.client.put(
        f"/playlists/{world.playlist}/tracks",
        content=nested,
        headers={**world.auth(), "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert "'a' more than once" in r.json()["detail"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_json_sent_as_another_type_is_a_415(world: World, content_type: str) -> None:
    r = await world.client.post(
        f"/playlists/{world.playlist}/tracks",
        content=b'{"track_id": 5}',
        headers={**world.auth(), "Content-Type": content_type},
    )
    assert r.status_code == 415, r.text
    assert r.json()["error"] == "unsupported_media_type"
    assert content_type in r.json()["detail"]
    ok = await world.client.post(
        f"/playlists/{world.playlist}/tracks",
        content=b'{"track_id": 5}',
        headers={**world.auth(), "Content-Type": "application/json; charset=utf-8"},
    )
    assert ok.status_code == 200


DECEPTIVE = ["\u202egnp.exe\u202c Song", "a\u200bb", "\u2066x\u2069", "\ufeffname", "\u3164"]


@pytest.mark.parametrize("name", DECEPTIVE)
async def test_direction_overrides_and_invisible_characters_are_refused(
    world: World, name: str
) -> None:
    r = await world.client.post("/playlists", json={"name": name}, headers=world.auth())
    assert r.status_code == 422, r.text
    assert "invisible or text-direction character" in r.json()["detail"]


@pytest.mark.parametrize(
    "text",
    ["Café del Mar", "👨\u200d👩\u200d👧 family", "مرحبا\u200f!", "می\u200cخواهم"],  # noqa: RUF001
)
def test_emoji_sequences_and_right_to_left_marks_are_kept(text: str) -> None:
    assert text_problem(text) is None


async def test_adding_a_dismissed_track_clears_the_dismissal(world: World) -> None:
    c, h = world.client, world.auth()
    base = f"/playlists/{world.playlist}"
    r = await c.post(f"{base}/recommendations/dismissed", json={"track_id": 20}, headers=h)
    assert r.status_code == 204
    assert (await c.post(f"{base}/tracks", json={"track_id": 20}, headers=h)).status_code == 200
    assert (await c.delete(f"{base}/tracks/20", headers=h)).status_code == 200
    # No longer dismissed: undoing it is a 404, and it may be suggested again.
    r = await c.delete(f"{base}/recommendations/dismissed/20", headers=h)
    assert r.status_code == 404, r.text


async def test_every_playlist_is_reachable_a_page_at_a_time(world: World) -> None:
    from segue.catalog import create_playlist

    async with world.app.state.resources.database.sessionmaker() as s:
        for i in range(150):
            await create_playlist(s, "did:plc:alice", f"List {i}")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 40, **({"cursor": cursor} if cursor else {})}
        r = await world.client.get("/me/playlists", params=params, headers=world.auth())
        assert r.status_code == 200, r.text
        body = r.json()
        seen += [p["id"] for p in body["playlists"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 4  # 152 playlists: the world's two and these 150
    assert len(seen) == len(set(seen)) == 152
    assert world.playlist in seen
    r = await world.client.get("/me/playlists", params={"cursor": "nope!"}, headers=world.auth())
    assert r.status_code == 422


async def test_a_crafted_cursor_is_refused_as_input(world: World) -> None:
    """Well-formed cursors this server did not give: a 422 each, never a 500 from the query."""
    for parts in (
        ["not a date", "x"],
        ["2030-01-01T00:00:00", "x"],  # naive: the server's carry UTC
        ["0001-01-01T00:00:00+14:00", "x"],  # before year 1 in UTC
        ["9999-12-31T23:00:00-14:00", "x"],  # after year 9999 in UTC
        ["2030-01-01T00:00:00+00:00"],
    ):
        raw = json.dumps(parts).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        r = await world.client.get("/me/playlists", params={"cursor": cursor}, headers=world.auth())
        assert r.status_code == 422, (parts, r.text)
        assert r.json()["error"] == "invalid_input", parts
    # A server's own cursor with another offset is still read as the same instant.
    own = ["2030-01-01T02:00:00+02:00", world.playlist]
    cursor = base64.urlsafe_b64encode(json.dumps(own).encode()).decode().rstrip("=")
    r = await world.client.get("/me/playlists", params={"cursor": cursor}, headers=world.auth())
    assert r.status_code == 200, r.text


async def test_rename_and_delete_a_playlist(world: World) -> None:
    c, h = world.client, world.auth()
    base = f"/playlists/{world.playlist}"
    before = (await c.get(base, headers=h)).json()
    r = await c.patch(base, json={"name": "  Renamed  "}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Renamed"
    assert r.json()["record_cid"] != before["record_cid"]  # the name is in the record
    assert [t["id"] for t in r.json()["tracks"]] == [1, 2, 3, 4]
    assert (await c.patch(base, json={"name": "\u202eevil"}, headers=h)).status_code == 422
    assert (await c.patch(base, json={"title": "x"}, headers=h)).status_code == 422
    other = world.auth(world.bob)
    assert (await c.patch(base, json={"name": "Mine now"}, headers=other)).status_code == 403
    assert (await c.delete(base, headers=other)).status_code == 403

    r = await c.post(f"{base}/recommendations/dismissed", json={"track_id": 20}, headers=h)
    assert r.status_code == 204
    r = await c.delete(base, headers=h)
    assert r.status_code == 204
    assert (await c.get(base, headers=h)).status_code == 404
    assert (await c.delete(base, headers=h)).status_code == 404
    mine = (await c.get("/me/playlists", headers=h)).json()["playlists"]
    assert world.playlist not in [p["id"] for p in mine]
