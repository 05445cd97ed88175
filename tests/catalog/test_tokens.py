"""Users and API tokens on PostgreSQL and SQLite."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import (
    TOKEN_PREFIX,
    Database,
    create_token,
    ensure_user,
    get_user,
    revoke_token,
    verify_token,
)
from segue.errors import InvalidInput, NotFound, Unauthorized

from .conftest import Seeded


async def _rows(database: Database) -> list[tuple[object, ...]]:
    async with database.engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(sa.text("SELECT * FROM api_tokens"))]


async def test_only_the_hash_is_stored(
    session: AsyncSession, database: Database, seeded: Seeded
) -> None:
    issued = await create_token(session, seeded.alice.did)
    assert issued.token.startswith(TOKEN_PREFIX)
    assert issued.token not in repr(issued)
    rows = await _rows(database)
    assert len(rows) == 1
    secret = issued.token.split("_", 2)[2]
    stored = " ".join(str(value) for value in rows[0])
    assert hashlib.sha256(issued.token.encode()).hexdigest() in stored
    assert secret not in stored


async def test_tokens_are_unique(session: AsyncSession, seeded: Seeded) -> None:
    issued = [await create_token(session, seeded.alice.did) for _ in range(5)]
    assert len({t.token for t in issued}) == len({t.id for t in issued}) == 5


async def test_verify(session: AsyncSession, seeded: Seeded) -> None:
    issued = await create_token(session, seeded.alice.did)
    assert await verify_token(session, issued.token) == seeded.alice


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # wrong secret, right id
        lambda t: t[:-1],
        lambda t: t + "x",
        lambda t: t.replace(TOKEN_PREFIX, "other_"),
        lambda t: "",
        lambda t: "segue_aaaaaaaaaaaaaaaa_" + "a" * 43,  # well formed, unknown id
    ],
)
async def test_verify_refuses_anything_else(
    session: AsyncSession, seeded: Seeded, mangle: Callable[[str], str]
) -> None:
    issued = await create_token(session, seeded.alice.did)
    with pytest.raises(Unauthorized):
        await verify_token(session, mangle(issued.token))


async def test_verify_compares_hashes_in_constant_time(
    session: AsyncSession, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = await create_token(session, seeded.alice.did)
    calls: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    # The module's own ``hmac``, looked up at each call.
    monkeypatch.setattr("segue.catalog._tokens.hmac.compare_digest", spy)
    await verify_token(session, issued.token)
    expected = hashlib.sha256(issued.token.encode()).hexdigest()
    assert calls == [(expected, expected)]
    with pytest.raises(Unauthorized):
        await verify_token(session, issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B"))
    assert len(calls) == 2
    assert calls[1][0] == expected != calls[1][1]


async def test_revoke_by_id(session: AsyncSession, seeded: Seeded) -> None:
    gone = await create_token(session, seeded.alice.did)
    kept = await create_token(session, seeded.alice.did)

    assert await revoke_token(session, gone.id) == gone.id
    assert await revoke_token(session, gone.id) == gone.id  # again: no change, no error
    with pytest.raises(Unauthorized, match="revoked"):
        await verify_token(session, gone.token)
    assert await verify_token(session, kept.token) == seeded.alice


async def test_revoke_refuses_a_whole_token(session: AsyncSession, seeded: Seeded) -> None:
    issued = await create_token(session, seeded.alice.did)
    with pytest.raises(InvalidInput, match=issued.id) as raised:
        await revoke_token(session, issued.token)
    assert issued.token.split("_", 2)[2] not in raised.value.detail  # no secret echoed
    assert await verify_token(session, issued.token) == seeded.alice


@pytest.mark.parametrize("text", ["", "nope", "aaaaaaaaaaaaaaaa", "segue_x_y"])
async def test_revoke_unknown(session: AsyncSession, seeded: Seeded, text: str) -> None:
    with pytest.raises(NotFound):
        await revoke_token(session, text)


async def test_token_for_unknown_user(session: AsyncSession, seeded: Seeded) -> None:
    with pytest.raises(NotFound):
        await create_token(session, "did:plc:nobody")


async def test_ensure_user_creates_then_updates(session: AsyncSession, seeded: Seeded) -> None:
    created = await ensure_user(session, "did:plc:carol", "Carol.Example.com", " Carol ")
    assert (created.handle, created.display_name) == ("carol.example.com", "Carol")
    updated = await ensure_user(session, "did:plc:carol", "carol2.example.com")
    assert await get_user(session, "did:plc:carol") == updated
    assert (updated.handle, updated.display_name) == ("carol2.example.com", None)
    with pytest.raises(NotFound):
        await get_user(session, "did:plc:nobody")


@pytest.mark.parametrize(
    ("did", "handle"),
    [("alice", "alice.example.com"), ("did:plc:ok", "not a handle"), ("did:plc:ok", "alice")],
)
async def test_ensure_user_validates(
    session: AsyncSession, seeded: Seeded, did: str, handle: str
) -> None:
    with pytest.raises(InvalidInput):
        await ensure_user(session, did, handle)
