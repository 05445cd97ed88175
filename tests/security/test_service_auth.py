"""ATProto service auth (issue 23, items 1 and 4): real JWTs signed with real secp256k1 and
P-256 keys, whose public halves sit in DID documents served by a PLC stand-in.

The owner's token works on every route; another DID's is a 403 on the owner's playlist;
every refused token (wrong ``aud``, expired, too long-lived, bad signature, unknown DID,
a key the document no longer lists, ``alg: none`` and other algorithms, a wrong ``lxm``, a
high-S signature) is a 401 with the usual error body; a key rotated in works once the
document lists it, found by fetching the document again once.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import httpx
import pytest

from segue.api import create_app
from segue.api._methods import METHODS
from segue.catalog import Database, append_track, create_playlist, ensure_user, find_user
from segue.settings import Settings

from ..api.conftest import World, make_api_settings
from ..support import free_port
from ..support.atproto_standins import (
    DidWebHost,
    Identity,
    PlcDirectory,
    did_document,
    make_identity,
)
from ..support.service_jwt import SERVICE_DID, b64url, service_jwt
from .test_authorization import FOR_LISTENERS, REQUESTS

PDS = "https://pds.example.com"


@pytest.fixture
def api_settings(
    settings: Settings, database_url: str, request: pytest.FixtureRequest, plc_directory
) -> Settings:
    return make_api_settings(
        settings,
        database_url,
        request,
        service_did=SERVICE_DID,
        public_url="https://segue.example.com",
        plc_url=plc_directory.url,
    )


def publish(plc: PlcDirectory, identity: Identity, handle: str | None = None) -> Identity:
    plc.put(did_document(identity, pds=PDS, handle=handle))
    return identity


@pytest.fixture
async def carol(world: World, database: Database, plc_directory: PlcDirectory) -> Identity:
    """An account on the network with a secp256k1 key and a playlist of tracks 1 to 4."""
    identity = publish(plc_directory, make_identity(), "carol.example.com")
    async with database.sessionmaker() as session:
        await ensure_user(session, identity.did, "carol.example.com")
        playlist = await create_playlist(session, identity.did, "Carol's", playlist_id="carols")
        await create_playlist(session, identity.did, "Spare", playlist_id="spare")
        for track in (1, 2, 3, 4):
            await append_track(session, playlist.id, track, actor_did=identity.did)
    return identity


def bearer(token: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **more}


def assert_refused(r: httpx.Response, *words: str) -> None:
    assert r.status_code == 401, r.text
    body = r.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == "unauthorized"
    assert r.headers["WWW-Authenticate"] == "Bearer"
    for word in words:
        assert word in body["detail"], body


# The owner's requests, in an order in which each succeeds: every route of the matrix in
# tests/security/test_authorization.py but sign-out (a JWT has nothing to revoke).
OWNER_REQUESTS: list[tuple[str, str, str, object, int]] = [
    ("get", "/me", "/me", None, 200),
    ("get", "/me/playlists", "/me/playlists", None, 200),
    ("get", "/tracks", "/tracks?q=Track", None, 200),
    ("post", "/playlists", "/playlists", {"name": "New"}, 201),
    ("get", "/playlists/{playlist_id}", "/playlists/carols", None, 200),
    ("post", "/playlists/{playlist_id}/tracks", "/playlists/carols/tracks", {"track_id": 20}, 200),
    (
        "get",
        "/playlists/{playlist_id}/recommendations",
        "/playlists/carols/recommendations",
        None,
        200,
    ),
    (
        "post",
        "/playlists/{playlist_id}/recommendations/dismissed",
        "/playlists/carols/recommendations/dismissed",
        {"track_id": 30},
        204,
    ),
    (
        "delete",
        "/playlists/{playlist_id}/recommendations/dismissed/{track_id}",
        "/playlists/carols/recommendations/dismissed/30",
        None,
        204,
    ),
    (
        "put",
        "/playlists/{playlist_id}/tracks",
        "/playlists/carols/tracks",
        {"track_ids": [20, 4, 3, 2, 1]},
        200,
    ),
    (
        "delete",
        "/playlists/{playlist_id}/tracks/{track_id}",
        "/playlists/carols/tracks/20",
        None,
        200,
    ),
    (
        "get",
        "/playlists/{playlist_id}/continuation",
        "/playlists/carols/continuation",
        None,
        200,
    ),
    ("get", "/tracks/{track_id}/similar", "/tracks/1/similar", None, 200),
    ("patch", "/playlists/{playlist_id}", "/playlists/carols", {"name": "Renamed"}, 200),
    # A playlist of its own to delete: the checks after the loop read "carols".
    ("delete", "/playlists/{playlist_id}", "/playlists/spare", None, 204),
]


def test_the_owner_requests_cover_every_route():
    assert {(m, t) for m, t, *_ in OWNER_REQUESTS} == set(REQUESTS) - {("post", "/auth/logout")}


@pytest.mark.parametrize("curve", ["secp256k1", "P-256"])
async def test_the_owners_token_works_on_every_route(
    world: World, database: Database, plc_directory: PlcDirectory, curve: str
):
    owner = publish(plc_directory, make_identity(curve=curve), "owner.example.com")  # type: ignore[arg-type]
    async with database.sessionmaker() as session:
        await ensure_user(session, owner.did, "owner.example.com")
        playlist = await create_playlist(session, owner.did, "Owned", playlist_id="carols")
        await create_playlist(session, owner.did, "Spare", playlist_id="spare")
        for track in (1, 2, 3, 4):
            await append_track(session, playlist.id, track, actor_did=owner.did)
    token = service_jwt(owner)
    for method, _, path, body, status in OWNER_REQUESTS:
        r = await world.client.request(method.upper(), path, json=body, headers=bearer(token))
        assert r.status_code == status, (method, path, r.text)
    me = (await world.client.get("/me", headers=bearer(token))).json()
    assert me == {"did": owner.did, "handle": "owner.example.com", "display_name": None}
    recs = await world.client.get("/playlists/carols/recommendations", headers=bearer(token))
    assert recs.json()["available"] is True
    assert recs.json()["tracks"]


async def test_another_dids_token_is_403_on_the_owners_playlist(
    world: World, carol: Identity, plc_directory: PlcDirectory
):
    mallory = publish(plc_directory, make_identity(curve="P-256"))
    token = service_jwt(mallory)
    for method, template, path, body, _ in OWNER_REQUESTS:
        if "{playlist_id}" not in template or (method, template) in FOR_LISTENERS:
            continue
        r = await world.client.request(method.upper(), path, json=body, headers=bearer(token))
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"] == "forbidden"
        assert "Carol" not in r.text
    # A listener's route is open to any signed-in DID, JWTs included.
    listening = await world.client.get("/playlists/carols/continuation", headers=bearer(token))
    assert listening.status_code == 200
    owners = await world.client.get("/playlists/carols", headers=bearer(service_jwt(carol)))
    assert [t["id"] for t in owners.json()["tracks"]] == [1, 2, 3, 4]  # nothing changed


def _none_alg(identity: Identity) -> str:
    # What an attacker sends to skip the signature: alg none and an empty signature.
    valid = service_jwt(identity, header={"alg": "none"})
    return valid.rsplit(".", 1)[0] + "."


REFUSED = {
    "wrong aud": (lambda i: service_jwt(i, aud="did:web:other.example.com"), "aud"),
    "aud of a sub-domain": (lambda i: service_jwt(i, aud=SERVICE_DID + ".evil.com"), "aud"),
    "no aud": (lambda i: service_jwt(i, claims={"aud": None}), "aud"),
    "expired": (lambda i: service_jwt(i, issued_ago=200, lifetime=120), "expired"),
    "no exp": (lambda i: service_jwt(i, claims={"exp": None}), "exp"),
    "too long-lived": (lambda i: service_jwt(i, lifetime=301), "longer than 300 s"),
    "too long-lived, no iat": (
        lambda i: service_jwt(i, lifetime=400, claims={"iat": None}),
        "longer than 300 s",
    ),
    "issued in the future": (lambda i: service_jwt(i, issued_ago=-120), "future"),
    "signed by another key": (
        lambda i: service_jwt(i, signer=make_identity(curve=i.curve)),
        "signature",
    ),
    "alg none": (_none_alg, "'none'"),
    "alg HS256": (lambda i: service_jwt(i, header={"alg": "HS256"}), "'HS256'"),
    "alg of the other curve": (lambda i: service_jwt(i, header={"alg": "ES256"}), "signature"),
    "high-S signature": (lambda i: service_jwt(i, high_s=True), "signature"),
    "wrong lxm": (lambda i: service_jwt(i, lxm="fm.segue.getPlaylist"), "lxm"),
    "iss with a fragment": (
        lambda i: service_jwt(i, claims={"iss": i.did + "#atproto_labeler"}),
        "iss",
    ),
    "two segments": (lambda i: service_jwt(i).rsplit(".", 1)[0] + ".", "signature"),
    "garbage in three parts": (lambda i: "a.b.c", "not a JWT"),
}


@pytest.mark.parametrize("case", REFUSED)
async def test_each_refused_token_is_a_401(world: World, carol: Identity, case: str):
    build, words = REFUSED[case]
    r = await world.client.get("/playlists/carols/recommendations", headers=bearer(build(carol)))
    assert_refused(r, words)
    assert "Carol" not in r.text


async def test_the_right_lxm_works_and_only_on_its_route(world: World, carol: Identity):
    token = service_jwt(carol, lxm="fm.segue.getRecommendations")
    ok = await world.client.get("/playlists/carols/recommendations", headers=bearer(token))
    assert ok.status_code == 200, ok.text
    # The same token, remembered as verified, is still refused elsewhere.
    assert_refused(await world.client.get("/playlists/carols", headers=bearer(token)), "lxm")
    r = await world.client.post(
        "/playlists/carols/tracks", json={"track_id": 20}, headers=bearer(token)
    )
    assert_refused(r, "lxm")


async def test_an_unknown_did_is_a_401(world: World):
    stranger = make_identity()  # never published
    r = await world.client.get("/me", headers=bearer(service_jwt(stranger)))
    assert_refused(r, "not known")


async def test_a_key_the_document_no_longer_lists_is_a_401(
    world: World, carol: Identity, plc_directory: PlcDirectory
):
    old = service_jwt(carol)
    carol.rotate()
    publish(plc_directory, carol, "carol.example.com")
    # A fresh app: nothing of the old document is cached anywhere.
    app = create_app(world.settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as c:
            assert_refused(await c.get("/me", headers=bearer(old)), "signature")
            assert (await c.get("/me", headers=bearer(service_jwt(carol)))).status_code == 200


async def test_a_rotated_key_works_once_the_document_lists_it(
    world: World, carol: Identity, plc_directory: PlcDirectory
):
    assert (await world.client.get("/me", headers=bearer(service_jwt(carol)))).status_code == 200
    fetched = plc_directory.requests[carol.did]
    old_key = make_identity(carol.did, carol.curve)
    old_key.private_key = carol.private_key
    carol.rotate()
    # Signed with the new key before the document lists it: refused, the document having
    # been fetched again once to look for the new key.
    assert_refused(await world.client.get("/me", headers=bearer(service_jwt(carol))), "signature")
    assert plc_directory.requests[carol.did] == fetched + 1
    publish(plc_directory, carol, "carol.example.com")
    # Within the refetch interval a failing signature does not fetch again: a forged token
    # stream costs the directory one request per interval per DID.
    assert_refused(await world.client.get("/me", headers=bearer(service_jwt(carol))), "signature")
    assert plc_directory.requests[carol.did] == fetched + 1
    verifier = world.app.state.resources.auth.service.verifier
    verifier._refetched.clear()  # the interval has passed
    r = await world.client.get("/playlists/carols", headers=bearer(service_jwt(carol)))
    assert r.status_code == 200, r.text
    assert plc_directory.requests[carol.did] == fetched + 2
    # ... and the old key, no longer in the document, is refused from then on.
    assert_refused(await world.client.get("/me", headers=bearer(service_jwt(old_key))), "signature")


async def test_a_verified_token_is_remembered_and_needs_no_document_fetch(
    world: World, carol: Identity, plc_directory: PlcDirectory
):
    token = service_jwt(carol)
    for _ in range(5):
        r = await world.client.get("/playlists/carols/recommendations", headers=bearer(token))
        assert r.status_code == 200
    # The document was fetched once, then served from the resolver's cache; the token
    # itself is remembered (no signature check) until it expires.
    assert plc_directory.requests[carol.did] == 1
    remembered = world.app.state.resources.auth.service._verified
    assert len(remembered) == 1


async def test_the_aud_may_name_the_service_fragment(world: World, carol: Identity):
    token = service_jwt(carol, aud=f"{SERVICE_DID}#segue")
    assert (await world.client.get("/me", headers=bearer(token))).status_code == 200
    assert_refused(
        await world.client.get("/me", headers=bearer(service_jwt(carol, aud=f"{SERVICE_DID}#"))),
        "fragment",
    )


async def test_a_did_with_no_user_row_signs_in_and_gets_one_with_its_first_playlist(
    world: World, database: Database, plc_directory: PlcDirectory
):
    newcomer = publish(plc_directory, make_identity(curve="P-256"), "new.example.com")
    token = service_jwt(newcomer)
    me = await world.client.get("/me", headers=bearer(token))
    assert me.json() == {"did": newcomer.did, "handle": "new.example.com", "display_name": None}
    assert (await world.client.get("/me/playlists", headers=bearer(token))).json() == {
        "playlists": [],
        "next_cursor": None,
    }
    created = await world.client.post("/playlists", json={"name": "First"}, headers=bearer(token))
    assert created.status_code == 201, created.text
    assert created.json()["owner_did"] == newcomer.did
    async with database.sessionmaker() as session:
        row = await find_user(session, newcomer.did)
    assert row is not None
    assert row.handle == "new.example.com"
    world.app.state.resources.auth._dids.clear()
    mine = (await world.client.get("/me/playlists", headers=bearer(token))).json()["playlists"]
    assert [p["name"] for p in mine] == ["First"]


async def test_a_segue_token_with_an_actor_header_and_a_jwt_with_one_are_refused(
    world: World, carol: Identity
):
    actor = {"X-Segue-Actor": carol.did}
    assert_refused(
        await world.client.get("/me", headers=bearer(world.alice, **actor)), "platform tokens"
    )
    assert_refused(
        await world.client.get("/me", headers=bearer(service_jwt(carol), **actor)),
        "platform tokens",
    )


async def test_a_jwt_is_not_signed_out(world: World, carol: Identity):
    r = await world.client.post("/auth/logout", headers=bearer(service_jwt(carol)))
    assert_refused(r)


async def test_service_auth_is_refused_when_no_service_did_is_set(world: World, carol: Identity):
    settings = Settings.model_validate({**world.settings.model_dump(), "service_did": None})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as c:
            assert_refused(await c.get("/me", headers=bearer(service_jwt(carol))), "SERVICE_DID")
            assert (await c.get("/.well-known/did.json")).status_code == 404


async def test_an_unreachable_directory_is_a_503_not_a_401(world: World, carol: Identity):
    # Nothing listens there: the token may be good, the server cannot tell.
    settings = Settings.model_validate(
        {**world.settings.model_dump(), "plc_url": f"http://127.0.0.1:{free_port()}"}
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as c:
            r = await c.get("/me", headers=bearer(service_jwt(carol)))
    assert r.status_code == 503, r.text
    assert r.json() == {
        "error": "atproto_unavailable",
        "detail": "an ATProto service is unavailable; try again later",
    }


async def test_a_loopback_did_web_issuer_is_refused_without_a_request(
    world: World, did_web_host: DidWebHost
):
    """An issuer ``did:web:127.0.0.1%3A<port>`` (or ``localhost``) would have Segue request
    its own ports: open or closed, the answer is the same 401, and nothing is requested --
    not even of a host serving a real document for a correctly signed token."""
    issuer = make_identity(did_web_host.did)
    did_web_host.document = did_document(issuer, pds=PDS)
    closed = free_port()
    tokens = [
        service_jwt(issuer),
        service_jwt(issuer, claims={"iss": f"did:web:localhost%3A{did_web_host.port}"}),
        service_jwt(issuer, claims={"iss": f"did:web:127.1%3A{did_web_host.port}"}),
        service_jwt(issuer, claims={"iss": f"did:web:localhost%3A{closed}"}),
    ]
    for token in tokens:
        assert_refused(await world.client.get("/me", headers=bearer(token)), "loopback")
    assert did_web_host.requests == {}


MISBEHAVING = {
    "a redirect": (301, {"Location": "https://www.example.com/.well-known/did.json"}, b""),
    "a 403": (403, {}, b"Forbidden"),
    "a 500 with an XRPC body": (500, {"Content-Type": "application/json"}, b'{"error":"x"}'),
    "a 503": (503, {"Retry-After": "5"}, b""),
    "not JSON": (200, {"Content-Type": "application/json"}, b"<html>hello</html>"),
}


@pytest.mark.parametrize("case", sorted(MISBEHAVING))
async def test_a_did_web_issuer_whose_host_misbehaves_is_a_401(
    world: World, did_web_host: DidWebHost, case: str, caplog: pytest.LogCaptureFixture
):
    """The host of a did:web issuer is the token sender's choice: what it answers is no
    outage of Segue's, so the token is refused (401, nothing logged), never a 502/503 and
    a WARNING anyone could cause. The API refuses loopback hosts, so the stand-in is
    reached as the operator's own origin (its PLC URL), the one loopback host it reads."""
    issuer = make_identity(did_web_host.did)
    did_web_host.misbehave = MISBEHAVING[case]
    settings = Settings.model_validate({**world.settings.model_dump(), "plc_url": did_web_host.url})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as c:
            assert_refused(await c.get("/me", headers=bearer(service_jwt(issuer))))
    assert did_web_host.requests["did.json"] >= 1  # the host was asked, and misbehaved
    assert [r for r in caplog.records if r.levelno >= 30] == []


@pytest.mark.parametrize("host", ["nothing.invalid", "a..b", "-"])
async def test_a_did_web_issuer_whose_host_cannot_be_reached_is_a_401(
    world: World, host: str, caplog: pytest.LogCaptureFixture
):
    # no such name (or none that resolves): the same refusal, not a 503
    token = service_jwt(make_identity(), claims={"iss": f"did:web:{host}"})
    assert_refused(await world.client.get("/me", headers=bearer(token)))
    assert [r for r in caplog.records if r.levelno >= 30] == []


async def test_the_did_document_names_the_public_url(world: World):
    r = await world.client.get("/.well-known/did.json")
    assert r.status_code == 200
    assert r.json() == {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": SERVICE_DID,
        "service": [
            {
                "id": "#segue",
                "type": "SegueRecommender",
                "serviceEndpoint": "https://segue.example.com",
            }
        ],
    }


async def test_no_did_document_for_a_did_plc_service(world: World):
    settings = Settings.model_validate(
        {**world.settings.model_dump(), "service_did": "did:plc:" + "a" * 24}
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as c:
            r = await c.get("/.well-known/did.json")
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"


def test_the_helper_makes_what_a_pds_makes():
    """The test tokens' shape: three base64url parts, ES256K, iss/aud/exp/iat."""
    identity = make_identity()
    header, body, signature = service_jwt(identity, lxm="fm.segue.getMe").split(".")

    def pad(part: str) -> str:
        return part + "=" * (-len(part) % 4)

    assert json.loads(base64.urlsafe_b64decode(pad(header))) == {"typ": "JWT", "alg": "ES256K"}
    claims = json.loads(base64.urlsafe_b64decode(pad(body)))
    assert set(claims) == {"iss", "aud", "iat", "exp", "lxm"}
    assert len(base64.urlsafe_b64decode(pad(signature))) == 64
    assert b64url(b"\xff") == "_w"


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_route_has_a_method_name_and_api_md_lists_them():
    routes = {(m.upper(), _shape(t)) for m, t in REQUESTS} - {("POST", "/auth/logout")}
    named = {(m, _shape(p)): nsid for (m, p), nsid in METHODS.items()}
    assert set(named) == routes
    doc = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    listed = {
        (m, _shape(p)): nsid
        for m, p, nsid in re.findall(
            r"^\| `(GET|POST|PUT|PATCH|DELETE) (\S+)` \| `(fm\.segue\.\w+)` \|$", doc, re.M
        )
    }
    assert listed == named
