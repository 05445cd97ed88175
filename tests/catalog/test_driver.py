"""The cache hit's reads on asyncpg's own connection (``_driver.py``): the same answers as
through SQLAlchemy, taken only on a plain PostgreSQL connection, and a broken connection
handled as SQLAlchemy handles it (a 503, the connection replaced)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from segue.catalog import (
    Database,
    append_track,
    create_playlist,
    hydrate_suggestions,
    playlist_head,
)
from segue.errors import DatabaseUnavailable, NotFound

from ..support import asyncpg_own
from .conftest import DELETED, HIDDEN, Seeded

T = TypeVar("T")


async def _statements(
    database: Database, read: Callable[[AsyncConnection], Awaitable[T]]
) -> tuple[T, list[str], list[str]]:
    """``read(conn)`` on a plain connection; what it returned, and the statements each
    path sent: through SQLAlchemy's cursor, and straight on asyncpg's connection."""
    through_sqlalchemy: list[str] = []
    on_driver: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        through_sqlalchemy.append(statement)

    engine = database.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        async with database.reading() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            if isinstance(driver, asyncpg.Connection):
                driver.add_query_logger(lambda q: on_driver.append(q.query))
            try:
                answer = await read(conn)
                await asyncio.sleep(0)  # asyncpg calls its query loggers with call_soon
            finally:
                if isinstance(driver, asyncpg.Connection):
                    driver._query_loggers.clear()  # a test-only logger on a pooled connection
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return answer, through_sqlalchemy, [q for q in on_driver if not asyncpg_own(q)]


async def _playlist(database: Database, seeded: Seeded) -> str:
    async with database.sessionmaker() as s:
        playlist = await create_playlist(s, seeded.alice.did, "Mine")
        for track in (1, 3):
            await append_track(s, playlist.id, track, actor_did=seeded.alice.did)
    return playlist.id


async def test_the_hit_reads_agree_with_sqlalchemy_and_take_the_driver_on_postgresql(
    database: Database, seeded: Seeded
):
    playlist_id = await _playlist(database, seeded)
    ids, because = [4, HIDDEN, 2, DELETED, 7, 999], [1, 1, 3, 3, 3, 1]

    async def both(conn):
        return (
            await playlist_head(conn, playlist_id),
            await hydrate_suggestions(conn, ids, because),
        )

    (head, found), through_sqlalchemy, on_driver = await _statements(database, both)
    async with database.sessionmaker() as session:  # a session: always SQLAlchemy's path
        assert head == await playlist_head(session, playlist_id)
        assert found == await hydrate_suggestions(session, ids, because)
    assert head.owner_did == seeded.alice.did
    assert [s.id for s in found] == [4, 2, 7]
    assert [s.because.track_id if s.because else None for s in found] == [1, 3, 3]
    if database.dialect == "postgresql":
        assert through_sqlalchemy == []
        assert len(on_driver) == 2, on_driver
        assert "record_cid" in on_driver[0]
        assert "$1" in on_driver[1]
    else:
        assert len(through_sqlalchemy) == 2
        assert on_driver == []


async def test_a_missing_playlist_is_not_found_on_either_path(database: Database, seeded: Seeded):
    async with database.reading() as conn:
        with pytest.raises(NotFound):
            await playlist_head(conn, "nosuchplaylist")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_broken_driver_connection_is_a_503_and_is_replaced(
    database: Database, seeded: Seeded
):
    playlist_id = await _playlist(database, seeded)
    async with database.reading() as conn:
        pid = await conn.scalar(sa.text("SELECT pg_backend_pid()"))
        async with database.reading() as other:
            # Waits (up to 5 s) until the backend is gone: the signal alone is asynchronous.
            ended = await other.scalar(
                sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}
            )
        assert ended
        with pytest.raises(DatabaseUnavailable):
            await playlist_head(conn, playlist_id)
        # SQLAlchemy met the same broken connection and took it out of the pool.
        assert conn.invalidated
    async with database.reading() as conn:  # a new connection serves the next read
        head = await playlist_head(conn, playlist_id)
        assert await conn.scalar(sa.text("SELECT pg_backend_pid()")) != pid
    assert head.owner_did == seeded.alice.did
