"""Applying what ``segue follow`` reads from the network, with the cursor, in one transaction.

Every batch of changes and the Jetstream cursor that covers them are committed together,
so a process killed at any moment resumes from a cursor whose changes are all in, and
a redelivered event finds its version applied already (``rev`` per record, ``seq`` per
account): nothing lost, nothing doubled.

    >>> results = await apply_follow(database, changes, cursor=1725911162329308)  # doctest: +SKIP
    >>> await follow_cursor(database)  # doctest: +SKIP
    1725911162329308
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from segue._retry import RetryPolicy
from segue.catalog import Database, database_errors
from segue.catalog.tables import CatalogState, FollowRecord, Playlist, insert_for

from ._apply_accounts import apply_account, apply_identity
from ._apply_records import apply_deletion, apply_playlist, apply_track
from ._changes import (
    AccountChange,
    FollowChange,
    FollowResult,
    PlaylistRecord,
    RecordDeletion,
    TrackRecord,
)

__all__ = ["FOLLOW_CURSOR", "apply_follow", "follow_cursor"]

#: the ``catalog_state`` row holding the Jetstream cursor (``time_us``, microseconds)
FOLLOW_CURSOR = "follow_cursor"
# Any constant works; the same in every Segue process. Two `segue follow` on one catalog
# take turns per batch instead of interleaving their writes.
_FOLLOW_LOCK_KEY = 0x5E6E_0F01
# PostgreSQL's deadlock and serialization failures: another writer (an import, an API edit)
# took rows in another order. The batch is rolled back whole and simply tried again, soon.
_RETRY_SQLSTATES = frozenset({"40P01", "40001"})
_CONFLICTS = RetryPolicy(attempts=3, initial=0.02, ceiling=0.2)


async def follow_cursor(database: Database) -> int | None:
    """The cursor stored by the last batch applied, or ``None`` before the first."""
    async with database.reading() as conn:
        value = await conn.scalar(
            sa.select(CatalogState.value).where(CatalogState.name == FOLLOW_CURSOR)
        )
    return None if value is None else int(value)


async def apply_follow(
    database: Database,
    changes: Sequence[FollowChange],
    *,
    cursor: int | None,
    expire_tombstones_before: int | None = None,
) -> list[FollowResult]:
    """Apply ``changes`` in order and store ``cursor`` (never moved back), in one transaction.

    ``expire_tombstones_before`` (a ``time_us``) also drops the tombstones of records
    deleted before it. Returns what became of each change, in order.
    """
    return await _CONFLICTS.call(
        lambda: _apply_all(database, changes, cursor, expire_tombstones_before),
        on=sa_exc.DBAPIError,
        when=_is_conflict,
    )


def _is_conflict(exc: sa_exc.DBAPIError) -> bool:
    return str(getattr(exc.orig, "sqlstate", "") or "") in _RETRY_SQLSTATES


async def _apply_all(
    database: Database,
    changes: Sequence[FollowChange],
    cursor: int | None,
    expire_tombstones_before: int | None,
) -> list[FollowResult]:
    async with database_errors(), database.sessionmaker.begin() as session:
        await _lock(session)
        results = [await _apply(session, change) for change in changes]
        if cursor is not None:
            await _store_cursor(session, cursor)
        if expire_tombstones_before is not None:
            await session.execute(
                sa.delete(FollowRecord).where(
                    FollowRecord.deleted_at.is_not(None),
                    FollowRecord.time_us < expire_tombstones_before,
                )
            )
    return results


async def _apply(session: AsyncSession, change: FollowChange) -> FollowResult:
    if isinstance(change, TrackRecord):
        return await apply_track(session, change)
    if isinstance(change, PlaylistRecord):
        return await apply_playlist(session, change)
    if isinstance(change, RecordDeletion):
        return await apply_deletion(session, change)
    if isinstance(change, AccountChange):
        return await apply_account(session, change)
    return await apply_identity(session, change)


async def _lock(session: AsyncSession) -> None:
    """Take the catalog's write lock before reading anything.

    PostgreSQL: an advisory lock, held to the end of the transaction. SQLite: an empty
    write takes its one write lock now (a read-only start would read outside it, and a
    write committed in between would go unseen).
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_FOLLOW_LOCK_KEY)))
    else:
        await session.execute(
            sa.update(Playlist).where(sa.false()).values(name=Playlist.name),
            execution_options={"synchronize_session": False},
        )


async def _store_cursor(session: AsyncSession, cursor: int) -> None:
    insert = insert_for(session)
    stmt = insert(CatalogState).values(name=FOLLOW_CURSOR, value=cursor)
    # Never backwards: a rewound replay re-applies nothing and must not rewind the cursor.
    newer = stmt.excluded.value > CatalogState.value
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[CatalogState.name],
            set_={"value": sa.case((newer, stmt.excluded.value), else_=CatalogState.value)},
        )
    )
