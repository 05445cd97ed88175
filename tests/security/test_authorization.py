"""Every authenticated endpoint, tried with someone else's playlist, revoked and malformed
tokens, and no token: 401, 403 or 404, and never another user's data.

Tokens are stored only as SHA-256 hashes and compared in constant time: that is tested
where it is implemented, in tests/catalog/test_tokens.py (test_only_the_hash_is_stored,
test_verify_compares_hashes_in_constant_time).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from segue.catalog import revoke_token, token_id_of
from segue.catalog._models import Playlist

from ..api.conftest import World

# One request per secured operation: (method, path template, JSON body). The test below
# fails when the schema gains an operation missing here, so none goes untried.
Request = tuple[str, str, object]
REQUESTS: dict[tuple[str, str], Callable[[str], Request]] = {
    ("post", "/auth/logout"): lambda p: ("POST", "/auth/logout", None),
    ("get", "/me"): lambda p: ("GET", "/me", None),
    ("get", "/me/playlists"): lambda p: ("GET", "/me/playlists", None),
    ("get", "/tracks"): lambda p: ("GET", "/tracks?q=Track", None),
    ("post", "/playlists"): lambda p: ("POST", "/playlists", {"name": "Mine now"}),
    ("get", "/playlists/{playlist_id}"): lambda p: ("GET", f"/playlists/{p}", None),
    ("get", "/playlists/{playlist_id}/recommendations"): lambda p: (
        "GET",
        f"/playlists/{p}/recommendations",
        None,
    ),
    ("post", "/playlists/{playlist_id}/tracks"): lambda p: (
        "POST",
        f"/playlists/{p}/tracks",
        {"track_id": 20},
    ),
    ("delete", "/playlists/{playlist_id}/tracks/{track_id}"): lambda p: (
        "DELETE",
        f"/playlists/{p}/tracks/16",
        None,
    ),
    ("post", "/playlists/{playlist_id}/recommendations/dismissed"): lambda p: (
        "POST",
        f"/playlists/{p}/recommendations/dismissed",
        {"track_id": 20},
    ),
    ("delete", "/playlists/{playlist_id}/recommendations/dismissed/{track_id}"): lambda p: (
        "DELETE",
        f"/playlists/{p}/recommendations/dismissed/20",
        None,
    ),
    ("put", "/playlists/{playlist_id}/tracks"): lambda p: (
        "PUT",
        f"/playlists/{p}/tracks",
        {"track_ids": [16]},
    ),
    ("get", "/playlists/{playlist_id}/continuation"): lambda p: (
        "GET",
        f"/playlists/{p}/continuation",
        None,
    ),
    ("get", "/tracks/{track_id}/similar"): lambda p: ("GET", "/tracks/1/similar", None),
    ("patch", "/playlists/{playlist_id}"): lambda p: ("PATCH", f"/playlists/{p}", {"name": "X"}),
    # Last: with a valid token on one's own playlist it deletes it.
    ("delete", "/playlists/{playlist_id}"): lambda p: ("DELETE", f"/playlists/{p}", None),
}
# Listeners' routes: any signed-in user, any visible playlist (issue 23); they answer
# suggestions, never the playlist's name, owner or items.
FOR_LISTENERS = {("get", "/playlists/{playlist_id}/continuation")}
# /metrics is public on purpose: it carries no ids or tokens (tests/api/test_metrics.py).
# /.well-known/did.json is public too: Segue's own DID document (test_service_auth.py).
PUBLIC = {
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/.well-known/did.json"),
}
BOBS_DATA = ("did:plc:bob", "bob.example.com", "Bob's", "Track 16")


async def send(w: World, request: Request, headers: dict[str, str]):
    method, path, body = request
    return await w.client.request(method, path, json=body, headers=headers)


async def bobs_playlist(w: World) -> dict[str, object]:
    r = await w.client.get(f"/playlists/{w.bobs}", headers=w.auth(w.bob))
    assert r.status_code == 200
    body: dict[str, object] = r.json()
    return body


def test_every_secured_operation_is_in_the_matrix(world: World):
    schema = world.app.openapi()
    operations = {(m, path) for path, item in schema["paths"].items() for m in item}
    assert operations - PUBLIC == set(REQUESTS)
    for method, path in REQUESTS:
        assert {"HTTPBearer": []} in schema["paths"][path][method]["security"]


async def test_another_users_playlist(world: World):
    before = await bobs_playlist(world)
    for (method, template), build in REQUESTS.items():
        if "{playlist_id}" not in template or (method, template) in FOR_LISTENERS:
            continue
        r = await send(world, build(world.bobs), world.auth())
        assert r.status_code in (403, 404), (template, r.status_code, r.text)
        assert set(r.json()) == {"error", "detail"}
        assert not any(marker in r.text for marker in BOBS_DATA), r.text
    assert await bobs_playlist(world) == before  # nothing changed


async def test_listeners_routes_answer_for_another_users_playlist_without_its_data(
    world: World,
):
    before = await bobs_playlist(world)
    for key in FOR_LISTENERS:
        r = await send(world, REQUESTS[key](world.bobs), world.auth())
        assert r.status_code == 200, (key, r.text)
        assert set(r.json()) == {"tracks", "available", "more"}
        assert not any(marker in r.text for marker in BOBS_DATA), r.text
    assert await bobs_playlist(world) == before


async def test_own_data_only_in_lists(world: World):
    mine = (await world.client.get("/me/playlists", headers=world.auth())).json()["playlists"]
    assert {p["id"] for p in mine} == {world.playlist, world.empty}
    assert not any(marker in str(mine) for marker in BOBS_DATA)


def _other_last(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


# Each builds the headers of a request from alice's valid token.
MALFORMED: dict[str, Callable[[str], dict[str, str]]] = {
    "none": lambda t: {},
    "empty": lambda t: {"Authorization": ""},
    "scheme only": lambda t: {"Authorization": "Bearer"},
    "blank": lambda t: {"Authorization": "Bearer "},
    "basic": lambda t: {"Authorization": f"Basic {t}"},
    "other scheme": lambda t: {"Authorization": f"Token {t}"},
    "longer": lambda t: {"Authorization": f"Bearer {t}x"},
    "shorter": lambda t: {"Authorization": f"Bearer {t[:-1]}"},
    "one char off": lambda t: {"Authorization": f"Bearer {_other_last(t)}"},
    "right id, wrong secret": lambda t: {
        "Authorization": f"Bearer segue_{t.split('_')[1]}_{'A' * 43}"
    },
    "upper-case prefix": lambda t: {"Authorization": f"Bearer {t.replace('segue_', 'SEGUE_')}"},
    "10k characters": lambda t: {"Authorization": f"Bearer {'a' * 10_000}"},
    "sql": lambda t: {"Authorization": "Bearer ' OR '1'='1"},
    "twice": lambda t: {"Authorization": f"Bearer {t} {t}"},
    "another header": lambda t: {"X-Token": t},
}


@pytest.mark.parametrize("kind", MALFORMED)
async def test_missing_or_malformed_token_is_401(world: World, kind: str):
    headers = MALFORMED[kind](world.alice)
    for build in REQUESTS.values():
        r = await send(world, build(world.playlist), headers)
        assert r.status_code == 401, (build(world.playlist), r.text)
        assert r.json()["error"] == "unauthorized"
        assert "Mine" not in r.text  # alice's playlist name


async def test_revoked_token_is_401_everywhere(world: World, database):
    # Without the in-process token cache: a revoked token may work for up to
    # SEGUE_TOKEN_CACHE_SECONDS after its last use, a bound tested in tests/api/test_serving.py.
    # Here the revocation must reach every route.
    world.app.state.resources.auth.ttl_seconds = 0
    async with database.sessionmaker() as session:
        await revoke_token(session, token_id_of(world.alice))
    for build in REQUESTS.values():
        r = await send(world, build(world.playlist), world.auth())
        assert r.status_code == 401
        assert r.json()["detail"] == "this token has been revoked"
    # bob's token still works
    assert (await world.client.get("/me", headers=world.auth(world.bob))).status_code == 200


async def test_unknown_playlist_is_404(world: World):
    for (_, template), build in REQUESTS.items():
        if "{playlist_id}" in template:
            r = await send(world, build("nosuchplaylist"), world.auth())
            assert r.status_code == 404, (template, r.text)


async def test_a_hidden_playlist_is_404_to_its_owner_too(world: World, database):
    """A playlist hidden by ``segue follow`` (its account taken down) reads as missing on
    every route, its recommendations included even when a ranking is cached for it."""
    cached = await world.client.get(
        f"/playlists/{world.playlist}/recommendations", headers=world.auth()
    )
    assert cached.json()["available"] is True
    async with database.sessionmaker() as session:
        await session.execute(
            sa.update(Playlist).where(Playlist.id == world.playlist).values(visible=False)
        )
        await session.commit()
    for (_, template), build in REQUESTS.items():
        if "{playlist_id}" in template:
            r = await send(world, build(world.playlist), world.auth())
            assert r.status_code == 404, (template, r.text)
            assert r.json() == {"error": "not_found", "detail": f"no playlist {world.playlist!r}"}
    mine = (await world.client.get("/me/playlists", headers=world.auth())).json()["playlists"]
    assert {p["id"] for p in mine} == {world.empty}
