"""Handles from DID documents: no artist keeps ``handle.invalid``.

Jetstream's identity events may carry no handle (plyr.fm's consumer notes the payload can
be just ``{did, seq, time}``), and an account first seen through one of its records has
none yet. Its DID document says it (the first ``at://`` entry of ``alsoKnownAs``), so
``segue follow`` resolves the DID then, off the stream's path, and stores the handle on the
artist and the user with that DID. The handle is the document's claim: it is not verified
against the handle's own DNS or ``/.well-known/atproto-did`` (docs/atproto.md).

    >>> await resolve_handles(database, resolver, ["did:plc:a"])  # doctest: +SKIP
    1
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import sqlalchemy as sa

from segue.atproto import DidResolver
from segue.catalog import Database, clean_handle, database_errors
from segue.catalog.tables import Artist, FollowAccount, User, insert_for, utc_now
from segue.errors import AtprotoUnavailable, InvalidInput, NotFound, RemoteError

from ._apply_accounts import UNKNOWN_HANDLE

__all__ = ["resolve_handles", "store_handles", "unknown_handles"]

log = logging.getLogger("segue.follow")

# Documents read at once: the PLC directory is shared with everyone.
_AT_ONCE = 8


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
            try:
                document = await resolver.resolve(did, fresh=fresh)
            except (NotFound, InvalidInput, RemoteError, AtprotoUnavailable) as exc:
                log.info("follow: no handle for %s: %s", did, exc.detail)
                return
        if document.handle is None:
            return
        try:
            found[did] = clean_handle(document.handle)
        except InvalidInput:
            return

    await asyncio.gather(*(one(did) for did in sorted(set(dids))))
    await store_handles(database, found)
    return len(found)
