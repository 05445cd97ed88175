"""SQLite with several workers: concurrent editors of one playlist all succeed (issue 26).

Two engines on one file stand for two ``segue serve`` workers. Before, a write transaction
began deferred: its UPDATE read a snapshot, then waited for the write lock, and once
another writer had committed meanwhile SQLite refused it at once ("database is locked",
SQLITE_BUSY_SNAPSHOT: the busy timeout does not apply), a 503. Write transactions now take
the write lock up front (BEGIN IMMEDIATE), where the busy timeout does wait.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from segue.catalog import append_track, create_playlist, ensure_user, get_playlist, open_database
from segue.catalog._models import Artist, Track
from segue.settings import Settings

from ..support import migrate

EDITORS = 48


async def test_sixteen_editors_in_two_processes_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'segue.db'}"
    await migrate(url)
    # A short busy timeout: contention shows up as "database is locked" at once.
    settings = Settings(database_url=url, data_dir=tmp_path, database_statement_timeout=2.0)
    workers = [open_database(settings), open_database(settings)]
    try:
        async with workers[0].sessionmaker() as s:
            await ensure_user(s, "did:plc:alice", "alice.example.com", None)
            s.add(Artist(did="did:plc:a", handle="a.example.com"))
            await s.flush()
            s.add_all(Track(id=i, title=f"T{i}", artist_did="did:plc:a") for i in range(EDITORS))
            await s.commit()
            playlist = await create_playlist(s, "did:plc:alice", "Shared")

        async def edit(i: int) -> None:
            async with workers[i % 2].sessionmaker() as s:
                await append_track(s, playlist.id, i, actor_did="did:plc:alice")

        for _ in range(3):  # rounds: a race shows up often, not always
            results = await asyncio.gather(
                *(edit(i) for i in range(EDITORS)), return_exceptions=True
            )
            failures = [r for r in results if isinstance(r, BaseException)]
            assert failures == [], failures[:3]
            async with workers[0].sessionmaker() as s:
                view = await get_playlist(s, playlist.id)
            assert sorted(t.id for t in view.tracks) == list(range(EDITORS))
            async with workers[1].sessionmaker() as s:  # empty it for the next round
                from segue.catalog import remove_track

                for i in range(EDITORS):
                    await remove_track(s, playlist.id, i, actor_did="did:plc:alice")
    finally:
        for database in workers:
            await database.aclose()
