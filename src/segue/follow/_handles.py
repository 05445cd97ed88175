"""Handles from DID documents: no artist keeps ``handle.invalid``.

Jetstream's identity events may carry no handle (plyr.fm's consumer notes the payload can
be just ``{did, seq, time}``), and an account first seen through one of its records has
none yet. Its DID document says it (the first ``at://`` entry of ``alsoKnownAs``), so
``segue follow`` resolves the DID then, off the stream's path, and stores the handle on the
artist and the user with that DID. The handle is the document's claim: it is not verified
against the handle's own DNS or ``/.well-known/atproto-did`` (docs/atproto.md).

The look-ups run off the stream's path and are bounded (:class:`HandleLookups`): at most
``_AT_ONCE`` DID resolutions in flight overall, by that many long-lived workers; a burst of
new accounts waits in a queue (each DID once), never as a task each.

    >>> await resolve_handles(database, resolver, ["did:plc:a"])  # doctest: +SKIP
    1
    >>> lookups = HandleLookups(database, resolver)  # doctest: +SKIP
    >>> await lookups.add(seen={"did:plc:a"}, changed=set())  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc

from segue.atproto import DidResolver
from segue.catalog import Database, clean_handle, database_errors
from segue.catalog.tables import Artist, FollowAccount, User, insert_for, utc_now
from segue.errors import (
    AtprotoUnavailable,
    DatabaseUnavailable,
    InvalidInput,
    NotFound,
    RemoteError,
)

from ._apply_accounts import UNKNOWN_HANDLE

__all__ = ["HandleLookups", "resolve_handles", "store_handles", "unknown_handles"]

log = logging.getLogger("segue.follow")

# Documents read at once: the PLC directory is shared with everyone.
_AT_ONCE = 8
# DIDs waiting for a look-up before the stream waits for them (each a few dozen bytes):
# a burst of new accounts is queued, not dropped, and memory stays bounded.
_MAX_WAITING = 10_000
# DIDs a worker takes at once: their handles are checked and stored together.
_TAKE = 16


async def unknown_handles(database: Database, dids: Iterable[str]) -> list[str]:
    """Those of ``dids`` whose artist or user still has ``handle.invalid``."""
    wanted = sorted(set(dids))
    if not wanted:
        return []
    async with database.reading() as conn:
        rows = await conn.execute(
            sa.union(
                sa.select(Artist.did).where(
                    Artist.did.in_(wanted), Artist.handle == UNKNOWN_HANDLE
                ),
                sa.select(User.did).where(User.did.in_(wanted), User.handle == UNKNOWN_HANDLE),
            )
        )
        return sorted({row[0] for row in rows})


async def store_handles(database: Database, handles: dict[str, str]) -> None:
    """Set each DID's handle on its artist, its user and its account row."""
    if not handles:
        return
    async with database_errors(), database.sessionmaker.begin() as session:
        insert = insert_for(session)
        for did, handle in sorted(handles.items()):
            for model in (Artist, User):
                await session.execute(
                    sa.update(model)
                    .where(model.did == did, model.handle != handle)
                    .values(handle=handle, updated_at=utc_now()),
                    execution_options={"synchronize_session": False},
                )
            await session.execute(
                insert(FollowAccount)
                .values(did=did, handle=handle)
                .on_conflict_do_update(index_elements=[FollowAccount.did], set_={"handle": handle})
            )


async def resolve_handles(
    database: Database, resolver: DidResolver, dids: Iterable[str], *, fresh: bool = False
) -> int:
    """Resolve ``dids`` and store the handles their documents give; how many were stored.
    ``fresh``: read the documents again (an identity event says they changed). A DID that
    cannot be resolved keeps its handle (logged)."""
    gate = asyncio.Semaphore(_AT_ONCE)
    found: dict[str, str] = {}

    async def one(did: str) -> None:
        async with gate:
            handle = await _handle_of(resolver, did, fresh=fresh)
        if handle is not None:
            found[did] = handle

    await asyncio.gather(*(one(did) for did in sorted(set(dids))))
    await store_handles(database, found)
    return len(found)


class HandleLookups:
    """Handles looked up in the background for ``segue follow``, bounded.

    :meth:`add` queues the DIDs of accounts first seen (looked up only while their artist
    or user still has ``handle.invalid``) and of identity events without a handle (their
    documents read afresh). ``at_once`` workers, started on the first :meth:`add`, each
    resolve one DID at a time, so no more than ``at_once`` resolutions are ever in flight,
    whatever the stream brings; a DID already waiting is not queued twice, and past
    ``max_waiting`` DIDs :meth:`add` waits (the stream slows; nothing is dropped).
    """

    def __init__(
        self,
        database: Database,
        resolver: DidResolver,
        *,
        at_once: int = _AT_ONCE,
        max_waiting: int = _MAX_WAITING,
    ) -> None:
        self._database = database
        self._resolver = resolver
        self._at_once = at_once
        self._queue: asyncio.Queue[tuple[str, bool]] = asyncio.Queue(maxsize=max_waiting)
        self._waiting: set[tuple[str, bool]] = set()
        self._workers: list[asyncio.Task[None]] = []

    async def add(self, *, seen: Iterable[str], changed: Iterable[str]) -> None:
        """Queue look-ups: ``seen`` (if still unknown), ``changed`` (read afresh)."""
        fresh = set(changed)
        items = [(did, False) for did in sorted(set(seen) - fresh)]
        items += [(did, True) for did in sorted(fresh)]
        for item in items:
            if item in self._waiting:
                continue
            self._waiting.add(item)
            await self._queue.put(item)
        if items and not self._workers:
            self._workers = [
                asyncio.create_task(self._work(), name=f"handles-{i}") for i in range(self._at_once)
            ]

    async def settle(self) -> None:
        """Wait until every queued look-up is done (bound it with ``asyncio.timeout``)."""
        await self._queue.join()

    async def close(self) -> None:
        """Stop the workers (look-ups still queued are dropped: the next sighting of
        those accounts queues them again)."""
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    async def _work(self) -> None:
        while True:
            taken = [await self._queue.get()]
            while len(taken) < _TAKE and not self._queue.empty():
                taken.append(self._queue.get_nowait())
            try:
                await self._look_up(taken)
            except (DatabaseUnavailable, sa_exc.DBAPIError) as exc:
                # The handles stay unknown until the account's next record or identity event;
                # the worker goes on with the next.
                log.warning("follow: resolving handles failed: %s", str(exc).splitlines()[0])
            finally:
                for item in taken:
                    self._waiting.discard(item)
                    self._queue.task_done()

    async def _look_up(self, taken: list[tuple[str, bool]]) -> None:
        first_seen = await unknown_handles(self._database, [d for d, fresh in taken if not fresh])
        found: dict[str, str] = {}
        for did, fresh in [(d, False) for d in first_seen] + [(d, f) for d, f in taken if f]:
            handle = await _handle_of(self._resolver, did, fresh=fresh)
            if handle is not None:
                found[did] = handle
        await store_handles(self._database, found)


async def _handle_of(resolver: DidResolver, did: str, *, fresh: bool) -> str | None:
    """The handle ``did``'s document claims, or ``None`` (no document, none claimed, or
    not a usable handle)."""
    try:
        document = await resolver.resolve(did, fresh=fresh)
    except (NotFound, InvalidInput, RemoteError, AtprotoUnavailable) as exc:
        log.info("follow: no handle for %s: %s", did, exc.detail)
        return None
    if document.handle is None:
        return None
    try:
        return clean_handle(document.handle)
    except InvalidInput:
        return None
