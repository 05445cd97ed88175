"""One write, one transaction: how every catalog mutation runs."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from ._db import database_errors

__all__ = ["committing"]

# SQLite has one writer at a time. Each connection waiting for it polls under SQLite's busy
# handler, which sleeps longer and longer between tries and serves no one in order: with
# 16 editors of one playlist in two workers, some waited past the busy timeout and got a
# 503 ("database is locked", issue 26). So within a process, writers queue on one asyncio
# lock per engine (fair, no polling), and only one connection per process contends for
# the file's lock, which it takes at BEGIN (IMMEDIATE) where the busy timeout does wait,
# never half-way through a transaction that has already read.
_SQLITE_WRITERS: weakref.WeakKeyDictionary[object, asyncio.Lock] = weakref.WeakKeyDictionary()


def _writer_lock(engine: AsyncEngine) -> asyncio.Lock:
    lock = _SQLITE_WRITERS.get(engine.sync_engine)
    if lock is None:
        lock = _SQLITE_WRITERS[engine.sync_engine] = asyncio.Lock()
    return lock


async def _begin_immediate(session: AsyncSession) -> None:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    # pysqlite begins a transaction only before a write; one already open (an earlier
    # write of this session) keeps its lock.
    if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


@asynccontextmanager
async def committing(session: AsyncSession) -> AsyncIterator[None]:
    """Commit what the block wrote, or roll all of it back if anything in it fails.

    Used by every mutation, so a change and what derives from it (a playlist's items and
    its record CID) are committed together or not at all. On SQLite the write lock is
    taken first, in turn with this process's other writers.
    """
    committed = False
    async with AsyncExitStack() as stack:
        bind = session.bind
        if isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite":
            await stack.enter_async_context(_writer_lock(bind))
            async with database_errors():
                await _begin_immediate(session)
        try:
            async with database_errors():
                yield
                await session.commit()
            committed = True
        finally:
            # Any failure, cancellation included, undoes the partial write; the error
            # itself propagates unchanged.
            if not committed:
                async with database_errors():
                    await session.rollback()
