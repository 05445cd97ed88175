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

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from segue._retry import RetryPolicy
from segue.catalog import Database, database_errors
from segue.catalog.tables import CatalogState, FollowRecord, Playlist, insert_for
from segue.errors import DatabaseConflict

from ._apply_accounts import apply_account, apply_identity
from ._apply_bulk import apply_tracks
from ._apply_records import apply_deletion, apply_playlist, apply_track, expire_waiting
from ._changes import (
    AccountChange,
    FollowChange,
    FollowResult,
    PlaylistRecord,
    RecordDeletion,
    TrackRecord,
)

__all__ = [
    "FOLLOW_CURSOR",
    "FOLLOW_WANTED_CURSOR",
    "apply_follow",
    "clear_follow_gap",
    "follow_cursor",
    "follow_gap",
    "follow_wanted_cursor",
    "record_follow_gap",
]

#: the ``catalog_state`` row holding the Jetstream cursor (``time_us``, microseconds)
FOLLOW_CURSOR = "follow_cursor"
#: the ``time_us`` of the last event of a followed collection applied: where leaving a
#: host blind to them resumes, even after a restart
FOLLOW_WANTED_CURSOR = "follow_wanted_cursor"
# The window no host replayed (time_us, microseconds): what a backfill must fill.
_GAP_AFTER = "follow_gap_after"
_GAP_BEFORE = "follow_gap_before"
# Any constant works; the same in every Segue process. Two `segue follow` on one catalog
# take turns per batch instead of interleaving their writes.
_FOLLOW_LOCK_KEY = 0x5E6E_0F01
# PostgreSQL's deadlock and serialization failures: another writer (an import, an API edit)
# took rows in another order. The batch is rolled back whole and simply tried again, soon.
_RETRY_SQLSTATES = frozenset({"40P01", "40001"})
_CONFLICTS = RetryPolicy(attempts=3, initial=0.02, ceiling=0.2)
# What a driver raises for a value it cannot send (SQLite: an integer past 64 bits is an
# OverflowError; a StatementError wraps what SQLAlchemy met while binding parameters).
_REFUSED = (sa_exc.StatementError, OverflowError)

log = logging.getLogger("segue.follow")


async def follow_cursor(database: Database) -> int | None:
    """The cursor stored by the last batch applied, or ``None`` before the first."""
    async with database.reading() as conn:
        value = await conn.scalar(
            sa.select(CatalogState.value).where(CatalogState.name == FOLLOW_CURSOR)
        )
    return None if value is None else int(value)


async def follow_wanted_cursor(database: Database) -> int | None:
    """The ``time_us`` of the last event of a followed collection applied, if any."""
    async with database.reading() as conn:
        value = await conn.scalar(
            sa.select(CatalogState.value).where(CatalogState.name == FOLLOW_WANTED_CURSOR)
        )
    return None if value is None else int(value)


async def follow_gap(database: Database) -> tuple[int, int] | None:
    """The window (``time_us`` after, before) of events no Jetstream host replayed, since
    the last backfill; ``None`` when there is none."""
    async with database.reading() as conn:
        rows = dict(
            (
                await conn.execute(
                    sa.select(CatalogState.name, CatalogState.value).where(
                        CatalogState.name.in_([_GAP_AFTER, _GAP_BEFORE])
                    )
                )
            ).all()
        )
    if _GAP_AFTER not in rows or _GAP_BEFORE not in rows:
        return None
    return int(rows[_GAP_AFTER]), int(rows[_GAP_BEFORE])


async def record_follow_gap(database: Database, after_us: int, before_us: int) -> None:
    """Widen the recorded gap to cover ``after_us`` .. ``before_us``."""
    async with database_errors(), database.sessionmaker.begin() as session:
        insert = insert_for(session)
        for name, value, wider in (
            (_GAP_AFTER, after_us, sa.func.least if _pg(session) else sa.func.min),
            (_GAP_BEFORE, before_us, sa.func.greatest if _pg(session) else sa.func.max),
        ):
            stmt = insert(CatalogState).values(name=name, value=value)
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[CatalogState.name],
                    set_={"value": wider(CatalogState.value, stmt.excluded.value)},
                )
            )


async def clear_follow_gap(database: Database) -> None:
    """Forget the gap: a backfill has read every repository since it was recorded."""
    async with database_errors(), database.sessionmaker.begin() as session:
        await session.execute(
            sa.delete(CatalogState).where(CatalogState.name.in_([_GAP_AFTER, _GAP_BEFORE]))
        )


def _pg(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def apply_follow(
    database: Database,
    changes: Sequence[FollowChange],
    *,
    cursor: int | None,
    expire_tombstones_before: int | None = None,
    expire_waiting_before: int | None = None,
    max_lists_per_account: int | None = None,
    wanted_cursor: int | None = None,
    audio_origins: Collection[str] = (),
    bulk: bool = False,
    then: Callable[[AsyncSession], Awaitable[None]] | None = None,
) -> list[FollowResult]:
    """Apply ``changes`` in order and store ``cursor`` (never moved back), in one transaction.

    ``wanted_cursor``: the ``time_us`` of the batch's last event of a followed collection.
    ``expire_tombstones_before`` (a ``time_us``) also drops the tombstones of records
    deleted before it; ``expire_waiting_before`` the items still waiting for their track
    in playlists whose version is older than it. ``max_lists_per_account``: a new playlist
    record of an account that has that many is skipped (``limited``). ``audio_origins``
    (``SEGUE_AUDIO_ORIGINS``) says which tracks' ``audio_url`` is an audio source to embed.
    ``bulk``: the track records are applied together (:func:`~._apply_bulk.apply_tracks`,
    the backfill's pages: one account's records, none listed twice at different revs)
    and the rest one by one after them. ``then`` runs last in the same transaction (the
    backfill stores where it stands with the page). Returns what became of each change, in
    order.
    """
    rules = _Rules(
        expire_tombstones_before,
        expire_waiting_before,
        max_lists_per_account,
        wanted_cursor,
        tuple(audio_origins),
    )
    try:
        return await _retrying_conflicts(
            lambda: _apply_all(database, changes, cursor, rules, bulk=bulk, then=then)
        )
    except _REFUSED as exc:
        refused: BaseException = exc
    # The database refused one of the changes (a value it cannot hold): rolled back whole,
    # the batch is applied again with each change on its own, so that one bad event never
    # stops the others, nor the follower at every restart.
    log.warning("follow: a batch was refused (%s); applying its changes one by one", refused)
    return await _retrying_conflicts(
        lambda: _apply_all(database, changes, cursor, rules, isolated=True, then=then)
    )


async def _retrying_conflicts(
    work: Callable[[], Awaitable[list[FollowResult]]],
) -> list[FollowResult]:
    """``work`` tried again, soon, when it ends in a deadlock or serialization failure; one
    on every attempt is a :class:`DatabaseConflict`: the caller's to retry later, as it
    waits out an outage (a driver error it would have to pick apart otherwise)."""
    try:
        return await _CONFLICTS.call(work, on=sa_exc.DBAPIError, when=_is_conflict)
    except sa_exc.DBAPIError as exc:
        if _is_conflict(exc):
            raise DatabaseConflict(
                f"database conflict on every attempt: {_first_line(exc.orig)}"
            ) from exc
        raise


def _is_conflict(exc: sa_exc.DBAPIError) -> bool:
    return str(getattr(exc.orig, "sqlstate", "") or "") in _RETRY_SQLSTATES


def _first_line(exc: BaseException | None) -> str:
    text = str(exc) if exc is not None else ""
    return text.splitlines()[0] if text else type(exc).__name__


async def _apply_all(
    database: Database,
    changes: Sequence[FollowChange],
    cursor: int | None,
    rules: _Rules,
    *,
    isolated: bool = False,
    bulk: bool = False,
    then: Callable[[AsyncSession], Awaitable[None]] | None = None,
) -> list[FollowResult]:
    async with database_errors(), database.sessionmaker.begin() as session:
        await _lock(session)
        if isolated:
            results = [await _apply_alone(session, change, rules) for change in changes]
        elif bulk:
            results = await _apply_bulk(session, changes, rules)
        else:
            results = [await _apply(session, change, rules) for change in changes]
        if cursor is not None:
            await _store_cursor(session, cursor)
        if rules.wanted_cursor is not None:
            await _store_cursor(session, rules.wanted_cursor, FOLLOW_WANTED_CURSOR)
        if rules.expire_tombstones_before is not None:
            await session.execute(
                sa.delete(FollowRecord).where(
                    FollowRecord.deleted_at.is_not(None),
                    FollowRecord.time_us < rules.expire_tombstones_before,
                )
            )
        if rules.expire_waiting_before is not None:
            await expire_waiting(session, rules.expire_waiting_before)
        if then is not None:
            await then(session)
    return results


@dataclass(frozen=True, slots=True)
class _Rules:
    expire_tombstones_before: int | None
    expire_waiting_before: int | None
    max_lists_per_account: int | None
    wanted_cursor: int | None
    audio_origins: tuple[str, ...]


async def _apply_bulk(
    session: AsyncSession, changes: Sequence[FollowChange], rules: _Rules
) -> list[FollowResult]:
    tracks = [c for c in changes if isinstance(c, TrackRecord)]
    applied = iter(await apply_tracks(session, tracks, audio_origins=rules.audio_origins))
    others = [c for c in changes if not isinstance(c, TrackRecord)]
    rest = iter([await _apply(session, change, rules) for change in others])
    return [next(applied) if isinstance(c, TrackRecord) else next(rest) for c in changes]


async def _apply_alone(session: AsyncSession, change: FollowChange, rules: _Rules) -> FollowResult:
    """``change`` in a savepoint of its own: refused, it is rolled back alone (malformed)."""
    try:
        async with session.begin_nested():
            return await _apply(session, change, rules)
    except sa_exc.DBAPIError as exc:
        sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
        if exc.connection_invalidated or sqlstate in _RETRY_SQLSTATES:
            raise
        problem: BaseException = exc
    except _REFUSED as exc:
        problem = exc
    log.warning(
        "follow: skipped a change the database refused (%s): %s",
        getattr(change, "uri", getattr(change, "did", "?")),
        str(problem).splitlines()[0][:200],
    )
    return FollowResult.MALFORMED


async def _apply(session: AsyncSession, change: FollowChange, rules: _Rules) -> FollowResult:
    if isinstance(change, TrackRecord):
        return await apply_track(session, change, audio_origins=rules.audio_origins)
    if isinstance(change, PlaylistRecord):
        return await apply_playlist(session, change, max_lists=rules.max_lists_per_account)
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


async def _store_cursor(session: AsyncSession, cursor: int, name: str = FOLLOW_CURSOR) -> None:
    insert = insert_for(session)
    stmt = insert(CatalogState).values(name=name, value=cursor)
    # Never backwards: a rewound replay re-applies nothing and must not rewind the cursor.
    newer = stmt.excluded.value > CatalogState.value
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[CatalogState.name],
            set_={"value": sa.case((newer, stmt.excluded.value), else_=CatalogState.value)},
        )
    )
