"""A playlist is read in one snapshot: its record CID always belongs to the items returned
with it, even when a write commits while it is being read. The recommendation cache keys on
that CID, so a mismatch would cache recommendations for one version under another's key.

PostgreSQL only: under READ COMMITTED each statement has its own snapshot, which is where a
read in two statements could interleave with a write (SQLite's read transaction is one
snapshot already).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.util import await_only

from segue.atproto import playlist_record_cid, track_ref
from segue.catalog import Database, create_playlist, ensure_user, get_playlist
from segue.catalog._models import Artist, Track
from segue.settings import Settings

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

ARTIST = "did:plc:artist"


def cid_of(name: str, track_ids: tuple[int, ...]) -> str:
    return playlist_record_cid(name, [track_ref(t, ARTIST, uri=None, cid=None) for t in track_ids])


async def test_a_write_committed_mid_read_is_all_or_nothing(database: Database, settings: Settings):
    async with database.sessionmaker() as s:
        user = await ensure_user(s, "did:plc:alice", "alice.example.com")
        s.add(Artist(did=ARTIST, handle="artist.example.com"))
        await s.flush()
        await s.execute(
            sa.insert(Track), [{"id": i, "title": f"T{i}", "artist_did": ARTIST} for i in (1, 2)]
        )
        await s.commit()
        playlist = await create_playlist(s, user.did, "P")

    writer = await asyncpg.connect(settings.catalog_url.replace("+asyncpg", ""), timeout=10)
    fired: list[object] = []

    def write_between(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # Right after the reader's first statement, another client appends track 2 and
        # commits (items and CID together, as every catalog write does).
        if fired or not statement.lstrip().upper().startswith("SELECT"):
            return
        fired.append(statement)

        async def append() -> None:
            async with writer.transaction():
                await writer.execute(
                    "INSERT INTO playlist_items (playlist_id, track_id, position) "
                    "VALUES ($1, 2, 0)",
                    playlist.id,
                )
                await writer.execute(
                    "UPDATE playlists SET record_cid = $2 WHERE id = $1",
                    playlist.id,
                    cid_of("P", (2,)),
                )

        await_only(append())

    sa.event.listen(database.engine.sync_engine, "after_cursor_execute", write_between)
    try:
        async with database.sessionmaker() as s:
            seen = await get_playlist(s, playlist.id)
    finally:
        sa.event.remove(database.engine.sync_engine, "after_cursor_execute", write_between)
        await writer.close()
    assert fired, "the write never ran"
    assert seen.record_cid == cid_of("P", seen.track_ids)  # before the write, or after it
    async with database.sessionmaker() as s:
        after = await get_playlist(s, playlist.id)
    assert after.track_ids == (2,)
    assert after.record_cid == cid_of("P", (2,))
