"""Platform tokens (issue 23, item 2): a platform's backend calls for its signed-in users.

``segue token create --platform NAME`` makes a token that acts for the DID each request
names in ``X-Segue-Actor`` (and for nobody without one: 401); every actor has budgets of
its own; the token is listed and revoked like any other; the access log names the platform
and the actor, never the secret.
"""

from __future__ import annotations

import asyncio
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segue.catalog import Database, create_token
from segue.cli import app as cli

from ..api.conftest import World
from .test_rate_limits import client_for, tuned
from .test_sign_in_links import _server_log

runner = CliRunner()


def acting(token: str, actor: str | None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if actor is not None:
        headers["X-Segue-Actor"] = actor
    return headers


@pytest.fixture
async def platform(database: Database) -> str:
    async with database.sessionmaker() as session:
        return (await create_token(session, None, platform="plyr.fm")).token


async def test_a_platform_token_acts_for_the_did_it_names(world: World, platform: str):
    me = await world.client.get("/me", headers=acting(platform, "did:plc:alice"))
    assert me.json() == {
        "did": "did:plc:alice",
        "handle": "alice.example.com",
        "display_name": "Alice",
    }
    mine = await world.client.get(
        f"/playlists/{world.playlist}", headers=acting(platform, "did:plc:alice")
    )
    assert mine.status_code == 200
    # For alice it is alice: bob's playlist is not hers.
    bobs = await world.client.get(
        f"/playlists/{world.bobs}", headers=acting(platform, "did:plc:alice")
    )
    assert bobs.status_code == 403
    theirs = await world.client.get(
        f"/playlists/{world.bobs}", headers=acting(platform, "did:plc:bob")
    )
    assert theirs.status_code == 200
    added = await world.client.post(
        f"/playlists/{world.playlist}/tracks",
        json={"track_id": 20},
        headers=acting(platform, "did:plc:alice"),
    )
    assert added.status_code == 200, added.text


@pytest.mark.parametrize(
    ("actor", "words"),
    [
        (None, "X-Segue-Actor"),
        ("", "X-Segue-Actor"),
        ("alice", "not a DID"),
        ("did:plc:alice did:plc:bob", "not a DID"),
        ("did:", "not a DID"),
    ],
)
async def test_without_a_did_to_act_for_it_is_a_401(
    world: World, platform: str, actor: str | None, words: str
):
    r = await world.client.get(f"/playlists/{world.playlist}", headers=acting(platform, actor))
    assert r.status_code == 401, r.text
    assert r.json()["error"] == "unauthorized"
    assert words in r.json()["detail"]
    assert "Mine" not in r.text


async def test_an_actor_without_a_user_row_reads_and_gets_one_with_a_playlist(
    world: World, platform: str
):
    newcomer = acting(platform, "did:plc:newcomer")
    me = (await world.client.get("/me", headers=newcomer)).json()
    assert me == {"did": "did:plc:newcomer", "handle": "handle.invalid", "display_name": None}
    created = await world.client.post("/playlists", json={"name": "Theirs"}, headers=newcomer)
    assert created.status_code == 201, created.text
    world.app.state.resources.auth._dids.clear()
    listed = (await world.client.get("/me/playlists", headers=newcomer)).json()["playlists"]
    assert [p["name"] for p in listed] == ["Theirs"]
    # Alice's own token sees none of it.
    alices = (await world.client.get("/me/playlists", headers=world.auth())).json()["playlists"]
    assert "Theirs" not in str(alices)


async def test_each_actor_is_limited_as_if_it_had_a_token_of_its_own(world: World, platform: str):
    async with client_for(tuned(world, rate_limit_reads_per_minute=3)) as client:
        for _ in range(3):
            assert (
                await client.get("/me", headers=acting(platform, "did:plc:alice"))
            ).status_code == 200
        refused = await client.get("/me", headers=acting(platform, "did:plc:alice"))
        assert refused.status_code == 429
        assert refused.json()["error"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1
        # Another actor of the same platform, and alice with her own token: untouched.
        for _ in range(3):
            assert (
                await client.get("/me", headers=acting(platform, "did:plc:bob"))
            ).status_code == 200
        assert (await client.get("/me", headers=world.auth())).status_code == 200


async def test_an_actor_cannot_sign_the_platform_out(world: World, platform: str):
    r = await world.client.post("/auth/logout", headers=acting(platform, "did:plc:alice"))
    assert r.status_code == 403
    assert "segue token revoke" in r.json()["detail"]
    assert (
        await world.client.get("/me", headers=acting(platform, "did:plc:bob"))
    ).status_code == 200


async def test_listed_and_revoked_like_any_token(world: World, monkeypatch):
    monkeypatch.setenv("SEGUE_DATABASE_URL", world.settings.catalog_url)
    created = await asyncio.to_thread(
        runner.invoke, cli, ["token", "create", "--platform", "plyr.fm", "--expires-in", "30d"]
    )
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    token_id = token.split("_")[1]
    assert "platform plyr.fm" in created.stderr
    assert (await world.client.get("/me", headers=acting(token, "did:plc:bob"))).status_code == 200
    listed = await asyncio.to_thread(runner.invoke, cli, ["token", "list"])
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.stdout.splitlines() if token_id in line)
    assert "platform plyr.fm" in row
    assert token.split("_", 2)[2] not in listed.stdout
    revoked = await asyncio.to_thread(runner.invoke, cli, ["token", "revoke", token_id])
    assert revoked.exit_code == 0, revoked.output
    world.app.state.resources.auth.ttl_seconds = 0
    r = await world.client.get("/me", headers=acting(token, "did:plc:bob"))
    assert r.status_code == 401
    assert r.json()["detail"] == "this token has been revoked"


@pytest.mark.parametrize(
    "args",
    [
        ["--platform", "plyr.fm", "--did", "did:plc:x", "--handle", "x.example.com"],
        ["--platform", "two words"],
        ["--platform", "a" * 65],
        ["--did", "did:plc:x"],
        [],
    ],
)
def test_create_asks_for_a_user_or_a_platform(args: list[str], tmp_path: Path) -> None:
    result = runner.invoke(cli, ["token", "create", *args, "--data-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""


def test_the_access_log_names_the_platform_and_never_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("SEGUE_")]:
        monkeypatch.delenv(name)
    created = runner.invoke(
        cli, ["token", "create", "--platform", "plyr.fm", "--data-dir", str(tmp_path / "data")]
    )
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    secret = token.split("_", 2)[2]
    text = _server_log(
        tmp_path,
        [
            ("GET", "/me", acting(token, "did:plc:listener")),
            ("GET", "/me/playlists", acting(token, "did:plc:other")),
            ("GET", "/me", acting(token, None)),  # refused: acts for nobody
        ],
    )
    # Segue's access line (route template, status, duration, request id, then the caller).
    line = r"segue\.access: GET {route} {status} [\d.]+ms id=[0-9a-f]{{32}}{caller}\n"
    caller = " platform=plyr.fm actor=did:plc:{}"
    assert re.search(line.format(route="/me", status=200, caller=caller.format("listener")), text)
    assert re.search(
        line.format(route="/me/playlists", status=200, caller=caller.format("other")), text
    )
    # names no one it did not act for
    assert re.search(line.format(route="/me", status=401, caller=""), text)
    assert token not in text
    assert secret not in text
    assert secret[:12] not in text


async def test_platform_tokens_expire_like_any(world: World, database: Database):
    async with database.sessionmaker() as session:
        issued = await create_token(
            session, None, platform="short.example", expires_in=timedelta(seconds=1)
        )
    await asyncio.sleep(1.1)
    r = await world.client.get("/me", headers=acting(issued.token, "did:plc:alice"))
    assert r.status_code == 401
    assert r.json()["detail"] == "this token has expired"
