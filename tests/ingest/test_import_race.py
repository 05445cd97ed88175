"""`segue import playlists` racing an edit from the API: the record CID stored at the end
is always the CID of the items stored with it.

The edit is the catalog's own ``append_track`` in a real concurrent transaction, holding
the playlist's row lock (as every catalog mutation does) while the import runs, and
committing once the import has started.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from segue.atproto import playlist_record_cid, track_ref
from segue.catalog import append_track, ensure_user, get_playlist
from segue.catalog._models import Playlist, PlaylistItem, Track
from segue.ingest import import_playlists, import_tracks, read_playlists, read_tracks

from .ingest_support import OWNER, track_row, write_jsonl

PID = "3kq2d7x4m5abc"
# Seconds to wait for the import to reach a lock; far above what it needs when idle.
_REACH_LOCK = 30.0


@pytest.fixture
async def catalog(database, tmp_path):
    """Tracks 1..6, the owner, and playlist PID named "Old" holding tracks 1 and 2."""
    rows = [track_row(i) for i in range(1, 7)]
    await import_tracks(database, read_tracks(write_jsonl(tmp_path / "tracks.jsonl", rows)))
    async with database.sessionmaker() as s:
        await ensure_user(s, OWNER, "owner.example.com", "Owner")
    await _import(database, tmp_path, "Old", [1, 2])
    return database


async def _import(database, tmp_path, name, tracks):
    row = {"id": PID, "owner_did": OWNER, "name": name, "tracks": tracks}
    records = read_playlists(write_jsonl(tmp_path / f"{name}.jsonl", [row]))
    return await import_playlists(database, records, source=name)


async def _cid_of_stored_items(database) -> tuple[str, str, list[int]]:
    """(stored CID, CID recomputed from the stored name and items, the items)."""
    async with database.sessionmaker() as s:
        playlist = await get_playlist(s, PID)
        items = (
            await s.execute(
                sa.select(Track.id, Track.artist_did, Track.uri, Track.cid)
                .join(PlaylistItem, PlaylistItem.track_id == Track.id)
                .where(PlaylistItem.playlist_id == PID)
                .order_by(PlaylistItem.position)
            )
        ).all()
    refs = [track_ref(i, artist, uri=uri, cid=cid) for i, artist, uri, cid in items]
    recomputed = playlist_record_cid(playlist.name, refs)
    return playlist.record_cid, recomputed, [row[0] for row in items]


async def _waiting_on_a_lock(url: str) -> int:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    finally:
        await conn.close()


async def _until_blocked(database_url: str, task: asyncio.Task[object]) -> None:
    """Return once another backend waits on a lock (the import, on the edit's row lock)."""
    async with asyncio.timeout(_REACH_LOCK):
        while not await _waiting_on_a_lock(database_url):
            assert not task.done(), "the import finished without meeting the edit's lock"
            await asyncio.sleep(0.02)


async def _race(database, tmp_path, reached) -> None:
    """The API's append of track 3 holds the row while the import renames the playlist
    (same items 1, 2), and commits once ``reached(import_task)`` returns."""
    async with database.sessionmaker() as edit:
        # What append_track's own first statement does: lock the playlist's row.
        await edit.execute(
            sa.update(Playlist).where(Playlist.id == PID).values(name=Playlist.name),
            execution_options={"synchronize_session": False},
        )
        task = asyncio.create_task(_import(database, tmp_path, "New", [1, 2]))
        try:
            await reached(task)
            await append_track(edit, PID, 3, actor_did=OWNER)  # commits
        finally:
            await asyncio.wait_for(task, _REACH_LOCK)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_edit_committed_mid_import_on_postgresql(catalog, tmp_path, database_url):
    await _race(catalog, tmp_path, lambda task: _until_blocked(database_url, task))
    stored, recomputed, items = await _cid_of_stored_items(catalog)
    assert stored == recomputed, f"the CID is not that of the stored items {items}"
    # The import waited for the edit, then replaced the items as its file says.
    assert items == [1, 2]
    async with catalog.sessionmaker() as s:
        assert (await get_playlist(s, PID)).name == "New"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_edit_committed_mid_import_on_sqlite(catalog, tmp_path):
    async def reached(task: asyncio.Task[object]) -> None:
        # SQLite cannot say who waits on its lock: give the import time to reach it. Had
        # it not, the edit would simply come first, and the test could only pass.
        await asyncio.sleep(0.5)
        assert not task.done()

    await _race(catalog, tmp_path, reached)
    stored, recomputed, items = await _cid_of_stored_items(catalog)
    assert stored == recomputed, f"the CID is not that of the stored items {items}"
    assert items == [1, 2]
