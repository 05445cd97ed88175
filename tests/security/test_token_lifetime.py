"""Issue 13, point 4: tokens expire, record their last use sparingly, and are revoked by
signing out (``POST /auth/logout``) or by id (``segue token revoke``), on PostgreSQL and
SQLite.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from segue.api._auth import LAST_USED_INTERVAL, Authenticator
from segue.catalog import Database, create_token, token_id_of
from segue.cli import app as cli
from segue.errors import Unauthorized

from ..api.conftest import World

runner = CliRunner()


async def _expire(database: Database, token: str, at: datetime) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE api_tokens SET expires_at = :at WHERE id = :id"),
            {"at": at if conn.dialect.name == "postgresql" else at.replace(tzinfo=None),
             "id": token_id_of(token)},
        )  # fmt: skip


async def _last_used(database: Database, token: str) -> datetime | None:
    async with database.engine.connect() as conn:
        value = await conn.scalar(
            sa.text("SELECT last_used_at FROM api_tokens WHERE id = :id"),
            {"id": token_id_of(token)},
        )
    if isinstance(value, str):  # SQLite hands back text for a raw SELECT
        value = datetime.fromisoformat(value)
    return None if value is None else value.replace(tzinfo=value.tzinfo or UTC)


async def test_an_expired_token_is_401_with_the_usual_body(world: World, database: Database):
    world.app.state.resources.auth.ttl_seconds = 0  # the cache is tested below
    assert (await world.client.get("/me", headers=world.auth())).status_code == 200
    await _expire(database, world.alice, datetime.now(UTC) - timedelta(seconds=1))
    r = await world.client.get("/me", headers=world.auth())
    assert r.status_code == 401
    assert r.json() == {"error": "unauthorized", "detail": "this token has expired"}
    assert r.headers["www-authenticate"] == "Bearer"
    assert (await world.client.get("/me", headers=world.auth(world.bob))).status_code == 200


async def test_a_cached_token_does_not_outlive_its_expiry(world: World, database: Database):
    """The in-process cache keeps a token ``ttl_seconds`` at most, and never past its
    expiry: with a cache of a minute, a token expiring in 10 s is refused after 11 s."""
    mono, wall = [1000.0], [datetime.now(UTC)]
    auth = Authenticator(
        database, ttl_seconds=60, clock=lambda: mono[0], wall_clock=lambda: wall[0]
    )
    await _expire(database, world.alice, wall[0] + timedelta(seconds=10))
    assert (await auth.user(world.alice)).did == "did:plc:alice"
    mono[0] += 5
    wall[0] += timedelta(seconds=5)
    assert (await auth.user(world.alice)).did == "did:plc:alice"  # cached, still valid
    mono[0] += 6
    wall[0] += timedelta(seconds=6)
    with pytest.raises(Unauthorized, match="expired"):
        await auth.user(world.alice)
    await auth.aclose()


async def test_logout_revokes_the_token_at_once(world: World):
    # The default cache (5 s) has just verified the token: the logout must still be
    # immediate in this process.
    assert world.app.state.resources.auth.ttl_seconds > 0
    assert (await world.client.get("/me", headers=world.auth())).status_code == 200
    r = await world.client.post("/auth/logout", headers=world.auth())
    assert r.status_code == 204
    assert r.content == b""
    r = await world.client.get("/me", headers=world.auth())
    assert r.status_code == 401
    assert r.json() == {"error": "unauthorized", "detail": "this token has been revoked"}
    again = await world.client.post("/auth/logout", headers=world.auth())
    assert again.status_code == 401
    assert (await world.client.get("/me", headers=world.auth(world.bob))).status_code == 200


async def test_a_verification_in_flight_during_logout_is_not_remembered(world: World):
    """A request whose verification read the token just before a logout revoked it may
    finish, but must not put the token back in the cache, where it would keep working
    in this process for SEGUE_TOKEN_CACHE_SECONDS after "Sign out"."""
    auth = world.app.state.resources.auth
    assert auth.ttl_seconds > 0
    read, resume = asyncio.Event(), asyncio.Event()
    verify = auth._verify

    async def held_after_the_read(token: str):  # the real verification, then a pause
        check = await verify(token)
        read.set()
        await resume.wait()
        return check

    auth._verify = held_after_the_read
    auth._verified.clear()  # the fixture's requests left the token verified: ask again
    in_flight = asyncio.create_task(world.client.get("/me", headers=world.auth()))
    await asyncio.wait_for(read.wait(), timeout=30)  # a hang guard only
    auth._verify = verify
    assert (await world.client.post("/auth/logout", headers=world.auth())).status_code == 204
    resume.set()
    assert (await in_flight).status_code == 200  # it was verified before the logout
    r = await world.client.get("/me", headers=world.auth())
    assert r.status_code == 401, r.text


async def test_logout_needs_a_valid_token_and_revokes_nothing_else(world: World):
    assert (await world.client.post("/auth/logout")).status_code == 401
    forged = f"segue_{token_id_of(world.alice)}_{'A' * 43}"  # alice's id, not her secret
    r = await world.client.post("/auth/logout", headers=world.auth(forged))
    assert r.status_code == 401
    assert (await world.client.get("/me", headers=world.auth())).status_code == 200


async def test_last_use_is_recorded_once_an_interval_off_the_request(
    world: World, database: Database
):
    async with database.sessionmaker() as s:
        token = (await create_token(s, "did:plc:alice")).token
    wall = [datetime.now(UTC)]
    auth = Authenticator(database, ttl_seconds=0, wall_clock=lambda: wall[0], flush_seconds=3600)
    assert await _last_used(database, token) is None
    await auth.user(token)
    await asyncio.sleep(0.05)
    assert await _last_used(database, token) is None  # not written on the request's path
    await auth.aclose()  # writes what was noted (else a background task does, later)
    first = await _last_used(database, token)
    assert first == wall[0]

    for _ in range(5):  # within the interval: no write, though each one asks the database
        wall[0] += timedelta(minutes=5)
        await auth.user(token)
    await auth.aclose()
    assert await _last_used(database, token) == first

    wall[0] = first + LAST_USED_INTERVAL + timedelta(seconds=1)
    await auth.user(token)
    await auth.aclose()
    assert await _last_used(database, token) == wall[0]


async def test_requests_record_last_use(world: World, database: Database):
    await world.client.get("/me", headers=world.auth(world.bob))
    await world.app.state.resources.auth.aclose()
    assert await _last_used(database, world.bob) is not None


async def test_new_tokens_expire_by_default(world: World, database: Database, monkeypatch):
    monkeypatch.setenv("SEGUE_DATABASE_URL", world.settings.catalog_url)
    monkeypatch.setenv("SEGUE_TOKEN_TTL_DAYS", "7")
    args = ["token", "create", "--did", "did:plc:carol", "--handle", "carol.example.com"]
    default = await asyncio.to_thread(runner.invoke, cli, args)
    assert default.exit_code == 0, default.output
    never = await asyncio.to_thread(runner.invoke, cli, [*args, "--expires-in", "never"])
    hours = await asyncio.to_thread(runner.invoke, cli, [*args, "--expires-in", "12h"])
    async with database.engine.connect() as conn:
        rows: dict[str, datetime | str | None] = dict(
            (await conn.execute(sa.text("SELECT id, expires_at FROM api_tokens"))).all()
        )
    now = datetime.now(UTC)

    def expires_at(result) -> datetime | str | None:
        return rows[token_id_of(result.stdout.strip())]

    def left(result) -> timedelta:
        value = expires_at(result)
        assert value is not None, "the token never expires"
        value = datetime.fromisoformat(value) if isinstance(value, str) else value
        return value.replace(tzinfo=value.tzinfo or UTC) - now

    assert timedelta(days=6, hours=23) < left(default) <= timedelta(days=7)
    assert expires_at(never) is None
    assert timedelta(hours=11, minutes=59) < left(hours) <= timedelta(hours=12)


@pytest.mark.parametrize("bad", ["0d", "30", "1w", "-5h", "soon", "99999d"])
def test_expires_in_is_checked(bad: str, tmp_path) -> None:
    args = ["token", "create", "--did", "did:plc:d", "--handle", "d.example.com"]
    result = runner.invoke(cli, [*args, "--expires-in", bad, "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stdout == ""


async def test_token_list_shows_no_secret_and_revoke_takes_the_id(
    world: World, database: Database, monkeypatch
):
    monkeypatch.setenv("SEGUE_DATABASE_URL", world.settings.catalog_url)
    async with database.sessionmaker() as s:
        issued = await create_token(s, "did:plc:bob", expires_in=timedelta(days=3))
    listed = await asyncio.to_thread(runner.invoke, cli, ["token", "list"])
    assert listed.exit_code == 0, listed.output
    for token in (world.alice, world.bob, issued.token):
        assert token_id_of(token) in listed.stdout
        # never a secret (the secret is what follows the id, and may itself hold "_")
        secret = token.removeprefix(f"segue_{token_id_of(token)}_")
        assert len(secret) == 43
        assert secret not in listed.stdout
    async with database.engine.connect() as conn:
        hashes = (await conn.execute(sa.text("SELECT token_hash FROM api_tokens"))).scalars()
        assert not any(h in listed.stdout for h in hashes)
    assert "bob.example.com" in listed.stdout
    assert "never" in listed.stdout  # the fixture's tokens: no expiry, bob's new one: 3 days

    revoked = await asyncio.to_thread(runner.invoke, cli, ["token", "revoke", issued.id])
    assert revoked.exit_code == 0, revoked.output
    r = await world.client.get("/me", headers=world.auth(issued.token))
    assert r.status_code == 401
