"""Dismissed suggestions on PostgreSQL and SQLite: owner only, idempotent, capped, undone,
kept across sessions, and each one a new dismissals generation (the cache key's)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

import segue.catalog._dismissals as dismissals_module
from segue.catalog import (
    Database,
    append_track,
    create_playlist,
    dismiss_track,
    dismissed_ids,
    playlist_head,
    playlist_seeds,
    undismiss_track,
)
from segue.catalog._models import Track
from segue.errors import Conflict, Forbidden, InvalidInput, NotFound

from .conftest import HIDDEN, Seeded


async def _dismissed(database: Database, playlist_id: str) -> tuple[tuple[int, ...], int]:
    """What is committed, on a connection of its own: the ids and the generation."""
    async with database.reading() as conn:
        head = await playlist_head(conn, playlist_id)
        return await dismissed_ids(conn, playlist_id), head.dismissals_generation


async def test_dismiss_and_undo(database: Database, session: AsyncSession, seeded: Seeded):
    p = await create_playlist(session, seeded.alice.did, "Mine")
    await append_track(session, p.id, 1, actor_did=seeded.alice.did)
    assert await _dismissed(database, p.id) == ((), 0)
    await dismiss_track(session, p.id, 3, actor_did=seeded.alice.did)
    await dismiss_track(session, p.id, HIDDEN, actor_did=seeded.alice.did)  # any known track
    assert await _dismissed(database, p.id) == ((3, HIDDEN), 2)
    await undismiss_track(session, p.id, 3, actor_did=seeded.alice.did)
    assert await _dismissed(database, p.id) == ((HIDDEN,), 3)
    async with database.reading() as conn:
        seeds = await playlist_seeds(conn, p.id)
    assert seeds.dismissed_ids == (HIDDEN,)
    assert seeds.dismissals_generation == 3
    assert seeds.seed_ids == (1,)
    assert seeds.seed_titles == (("did:plc:aurora", "Ambient Waves"),)


async def test_dismissing_twice_keeps_one(database: Database, session: AsyncSession, seeded):
    p = await create_playlist(session, seeded.alice.did, "Mine")
    for _ in range(2):
        await dismiss_track(session, p.id, 3, actor_did=seeded.alice.did)
    assert (await _dismissed(database, p.id))[0] == (3,)


async def test_a_dismissal_is_not_an_edit(session: AsyncSession, seeded: Seeded):
    p = await create_playlist(session, seeded.alice.did, "Mine")
    await dismiss_track(session, p.id, 3, actor_did=seeded.alice.did)
    async with session.bind.connect() as conn:  # type: ignore[union-attr]
        head = await playlist_head(conn, p.id)
    assert head.record_cid == p.record_cid  # the record (name, items) did not change


async def test_refusals_change_nothing(database: Database, session: AsyncSession, seeded):
    p = await create_playlist(session, seeded.alice.did, "Mine")
    await append_track(session, p.id, 1, actor_did=seeded.alice.did)
    with pytest.raises(Forbidden):
        await dismiss_track(session, p.id, 3, actor_did=seeded.bob.did)
    with pytest.raises(NotFound, match="no track 999"):
        await dismiss_track(session, p.id, 999, actor_did=seeded.alice.did)
    with pytest.raises(NotFound, match="no track"):
        await dismiss_track(session, p.id, 2**63, actor_did=seeded.alice.did)
    with pytest.raises(NotFound, match="no playlist"):
        await dismiss_track(session, "nosuch", 3, actor_did=seeded.alice.did)
    with pytest.raises(Conflict, match="in the playlist"):
        await dismiss_track(session, p.id, 1, actor_did=seeded.alice.did)
    with pytest.raises(NotFound, match="not dismissed"):
        await undismiss_track(session, p.id, 3, actor_did=seeded.alice.did)
    await dismiss_track(session, p.id, 3, actor_did=seeded.alice.did)
    with pytest.raises(Forbidden):
        await undismiss_track(session, p.id, 3, actor_did=seeded.bob.did)
    # every refusal rolled its generation bump back: one dismissal, one generation
    assert await _dismissed(database, p.id) == ((3,), 1)


async def test_at_most_so_many_dismissals(
    database: Database, session: AsyncSession, seeded: Seeded, monkeypatch
):
    monkeypatch.setattr(dismissals_module, "DISMISSALS_MAX", 2)
    p = await create_playlist(session, seeded.alice.did, "Mine")
    await dismiss_track(session, p.id, 1, actor_did=seeded.alice.did)
    await dismiss_track(session, p.id, 2, actor_did=seeded.alice.did)
    with pytest.raises(InvalidInput, match="at most 2 dismissed suggestions; undo some first"):
        await dismiss_track(session, p.id, 3, actor_did=seeded.alice.did)
    await dismiss_track(session, p.id, 2, actor_did=seeded.alice.did)  # already there: fine
    await undismiss_track(session, p.id, 2, actor_did=seeded.alice.did)
    await dismiss_track(session, p.id, 3, actor_did=seeded.alice.did)
    assert (await _dismissed(database, p.id))[0] == (1, 3)


async def test_a_deleted_playlist_takes_its_dismissals(
    database: Database, session: AsyncSession, seeded: Seeded
):
    p = await create_playlist(session, seeded.alice.did, "Mine")
    await dismiss_track(session, p.id, 3, actor_did=seeded.alice.did)
    async with database.sessionmaker() as s:
        await s.execute(sa.text("DELETE FROM playlists WHERE id = :p"), {"p": p.id})
        await s.commit()
        count = await s.scalar(sa.text("SELECT count(*) FROM dismissals"))
    assert count == 0
    assert await session.get(Track, 3) is not None
