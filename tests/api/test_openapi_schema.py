"""The OpenAPI schema: the UI's committed snapshot matches the code, errors use ErrorOut."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from segue.api.openapi import openapi_json
from segue.catalog.tables import Playlist

from .conftest import World

SNAPSHOT = Path(__file__).parents[2] / "frontend" / "openapi.json"


def test_the_uis_snapshot_is_the_apps_schema():
    # frontend/src/lib/types.ts is generated from this file (and `npm test` checks that).
    assert SNAPSHOT.read_text() == openapi_json(), (
        "frontend/openapi.json is stale: run `make types` and commit it with src/lib/types.ts"
    )


def test_every_error_response_is_an_error_out(world: World):
    schema = world.app.openapi()
    error_out = schema["components"]["schemas"]["ErrorOut"]
    assert error_out["required"] == ["error", "detail"]
    assert set(error_out["properties"]) == {"error", "detail"}
    errors = [
        (path, method, status, response)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
        if int(status) >= 400
    ]
    assert len(errors) > 20  # every authenticated operation documents several
    for path, method, status, response in errors:
        body = response["content"]["application/json"]["schema"]
        if (path, method, status) == ("/readyz", "get", "503"):  # each dependency's state
            assert body == {"$ref": "#/components/schemas/ReadinessOut"}
            continue
        assert body == {"$ref": "#/components/schemas/ErrorOut"}, (path, method, status)


def test_403_is_documented_where_an_owner_or_a_platform_is_checked(world: World):
    # A status a route cannot answer sends a client's generated code after a case that
    # never comes; one it answers undocumented leaves the case out.
    schema = world.app.openapi()
    documented = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "403" in operation["responses"]
    }
    owner = "/playlists/{playlist_id}"
    assert documented == {
        ("GET", owner),
        ("PATCH", owner),
        ("DELETE", owner),
        ("GET", f"{owner}/recommendations"),
        ("POST", f"{owner}/tracks"),
        ("PUT", f"{owner}/tracks"),
        ("DELETE", f"{owner}/tracks/{{track_id}}"),
        ("POST", f"{owner}/recommendations/dismissed"),
        ("DELETE", f"{owner}/recommendations/dismissed/{{track_id}}"),
        ("POST", "/auth/logout"),  # a platform token is revoked by its operator
    }
    create = schema["paths"]["/playlists"]["post"]["responses"]
    assert "404" not in create
    logout = schema["paths"]["/auth/logout"]["post"]["responses"]
    assert set(logout) == {"204", "401", "403", "503"}  # no input, no budget spent


async def test_an_error_body_is_exactly_error_and_detail(world: World):
    r = await world.client.get("/playlists/nosuchplaylist", headers=world.auth())
    assert r.status_code == 404
    body = r.json()
    assert body.keys() == {"error", "detail"}
    assert body["error"] == "not_found"
    assert isinstance(body["detail"], str)


async def test_409_is_documented_where_a_followed_playlist_is_refused(world: World):
    """Every change to a followed ATProto playlist answers 409 (it is edited where it was
    made), and each of those routes documents it."""
    database = world.app.state.resources.database
    async with database.sessionmaker.begin() as session:
        await session.execute(
            sa.update(Playlist)
            .where(Playlist.id == world.playlist)
            .values(record_uri=f"at://did:plc:alice/fm.plyr.list/{world.playlist}")
        )
    base = f"/playlists/{world.playlist}"
    changes = [
        ("PATCH", "/playlists/{playlist_id}", base, {"name": "Renamed"}),
        ("DELETE", "/playlists/{playlist_id}", base, None),
        ("POST", "/playlists/{playlist_id}/tracks", f"{base}/tracks", {"track_id": 5}),
        ("DELETE", "/playlists/{playlist_id}/tracks/{track_id}", f"{base}/tracks/1", None),
        ("PUT", "/playlists/{playlist_id}/tracks", f"{base}/tracks", {"track_ids": [4, 3, 2, 1]}),
    ]
    schema = world.app.openapi()
    for method, route, url, body in changes:
        r = await world.client.request(method, url, json=body, headers=world.auth())
        assert r.status_code == 409, (method, url, r.text)
        assert "409" in schema["paths"][route][method.lower()]["responses"], (method, route)
