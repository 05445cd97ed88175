"""One write, one transaction: how every catalog mutation runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from ._db import database_errors

__all__ = ["committing"]


@asynccontextmanager
async def committing(session: AsyncSession) -> AsyncIterator[None]:
    """Commit what the block wrote, or roll all of it back if anything in it fails.

    Used by every mutation, so a change and what derives from it (a playlist's items and
    its record CID) are committed together or not at all.
    """
    committed = False
    try:
        async with database_errors():
            yield
            await session.commit()
        committed = True
    finally:
        # Any failure, cancellation included, undoes the partial write; the error itself
        # propagates unchanged.
        if not committed:
            async with database_errors():
                await session.rollback()
