"""The playlist page's endpoints, /me, /tracks, health, errors and the UI fallback."""

from __future__ import annotations

import pytest

from .conftest import HIDDEN, World


async def test_read_playlist(world: World):
    r = await world.client.get(f"/playlists/{world.playlist}", headers=world.auth())
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"id", "name", "owner_did", "record_cid", "tracks"}
    assert body["name"] == "Mine"
    assert body["owner_did"] == "did:plc:alice"
    assert body["record_cid"].startswith("bafyrei")
    assert [t["id"] for t in body["tracks"]] == [1, 2, 3, 4]


async def test_create_append_remove_reorder(world: World):
    c, h = world.client, world.auth()
    r = await c.post("/playlists", json={"name": "  Late   night "}, headers=h)
    assert r.status_code == 201
    new = r.json()
    assert new["name"] == "Late night"
    assert new["tracks"] == []
    pid = new["id"]
    for t in (7, 8, 9):
        r = await c.post(f"/playlists/{pid}/tracks", json={"track_id": t}, headers=h)
        assert r.status_code == 200
    assert [t["id"] for t in r.json()["tracks"]] == [7, 8, 9]
    r = await c.post(f"/playlists/{pid}/tracks", json={"track_id": 8}, headers=h)
    assert r.status_code == 409
    assert r.json()["error"] == "conflict"
    r = await c.put(f"/playlists/{pid}/tracks", json={"track_ids": [9, 7, 8]}, headers=h)
    assert [t["id"] for t in r.json()["tracks"]] == [9, 7, 8]
    r = await c.put(f"/playlists/{pid}/tracks", json={"track_ids": [9, 7]}, headers=h)
    assert r.status_code == 422
    r = await c.delete(f"/playlists/{pid}/tracks/7", headers=h)
    assert [t["id"] for t in r.json()["tracks"]] == [9, 8]
    r = await c.post(f"/playlists/{pid}/tracks", json={"track_id": HIDDEN}, headers=h)
    assert r.status_code == 404
    r = await c.post(f"/playlists/{pid}/tracks", json={"track_id": 10**6}, headers=h)
    assert r.status_code == 404


async def test_mutations_are_owner_only(world: World):
    c, bob = world.client, world.auth(world.bob)
    base = f"/playlists/{world.playlist}"
    for method, path, body in [
        ("GET", base, None),
        ("POST", f"{base}/tracks", {"track_id": 9}),
        ("DELETE", f"{base}/tracks/1", None),
        ("PUT", f"{base}/tracks", {"track_ids": [4, 3, 2, 1]}),
    ]:
        r = await c.request(method, path, json=body, headers=bob)
        assert r.status_code == 403, (method, path)
        assert "Track" not in r.text
    after = await c.get(base, headers=world.auth())
    assert [t["id"] for t in after.json()["tracks"]] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/playlists", {}),
        ("POST", "/playlists", {"name": ""}),
        ("POST", "/playlists", {"name": "x" * 201}),
        ("POST", "/playlists", {"name": "ok", "extra": 1}),
        ("POST", "/playlists/{p}/tracks", {"track_id": "seven"}),
        ("POST", "/playlists/{p}/tracks", {"track_id": -1}),
        ("POST", "/playlists/{p}/tracks", {"track_id": 2**53}),
        ("PUT", "/playlists/{p}/tracks", {"track_ids": "1,2"}),
        ("DELETE", "/playlists/{p}/tracks/abc", None),
        ("GET", "/playlists/" + "a" * 65, None),
        ("GET", "/tracks?q=", None),
        ("GET", "/tracks?q=a&limit=0", None),
    ],
)
async def test_malformed_input_is_422_json(world: World, method, path, body):
    r = await world.client.request(
        method, path.format(p=world.playlist), json=body, headers=world.auth()
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_input"
    assert r.json()["detail"]


async def test_malformed_json_body(world: World):
    r = await world.client.post(
        "/playlists",
        content=b"{not json",
        headers={**world.auth(), "content-type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_input"


async def test_me_and_my_playlists(world: World):
    r = await world.client.get("/me", headers=world.auth())
    assert r.json() == {
        "did": "did:plc:alice",
        "handle": "alice.example.com",
        "display_name": "Alice",
    }
    r = await world.client.get("/me/playlists", headers=world.auth())
    got = {p["name"]: p["track_count"] for p in r.json()["playlists"]}
    assert got == {"Mine": 4, "Empty": 0}
    assert (await world.client.get("/me")).status_code == 401


async def test_search_tracks(world: World):
    r = await world.client.get("/tracks?q=track 1&limit=50", headers=world.auth())
    ids = {t["id"] for t in r.json()["tracks"]}
    assert {1, 10, 11, 12, 16} <= ids
    assert HIDDEN not in ids
    r = await world.client.get("/tracks?q=artist3", headers=world.auth())
    assert {t["id"] for t in r.json()["tracks"]} == set(range(46, 61))
    r = await world.client.get("/tracks?q=%25", headers=world.auth())
    assert r.json()["tracks"] == []


async def test_health_and_openapi(world: World):
    assert (await world.client.get("/healthz")).json() == {"status": "ok"}
    ready = (await world.client.get("/readyz")).json()
    assert ready["status"] == "ok"
    assert set(ready["dependencies"]) == {"database", "vectors", "cache"}
    assert ready["dependencies"]["vectors"]["vectors"] == len(world.vectors) - 1  # NO_VECTOR
    schema = (await world.client.get("/openapi.json")).json()
    assert "/playlists/{playlist_id}/recommendations" in schema["paths"]


async def test_unknown_path_and_method_are_json(world: World):
    r = await world.client.get("/nope")
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"
    r = await world.client.put(f"/playlists/{world.playlist}", headers=world.auth())
    assert r.status_code == 405
    assert r.json()["error"] == "method_not_allowed"


async def test_ui_not_built_is_a_clear_page(world: World):
    for path in ("/", "/login", f"/playlist/{world.playlist}"):
        r = await world.client.get(path)
        assert r.status_code == 503
        assert "has not been built" in r.text
        assert "Traceback" not in r.text
