"""Track records' AT-URIs and the integer ids Segue gives them, once and for ever.

The vector store and the API know tracks by integer ids; the network knows them by
``at://{did}/{collection}/{rkey}``. The first time Segue meets a URI (a followed record, or
a vector imported by URI) it takes the id of a track already imported with that ``uri``,
or else derives one from the URI: the first 53 bits of its SHA-256, so the same URI gets
the same id in every catalog that has not used that number already (the rare collision
takes the next hash, ``{uri}#1``, and so on). The mapping is stored and never changes,
even after the record is deleted.

    >>> hashed_track_id("at://did:plc:abc/fm.plyr.track/3kq2d7x4m5abc") < 2**53
    True
    >>> ids = await resolve_track_uris(database, [uri])  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ._bulk import chunks
from ._db import Database, database_errors
from ._models import Track, TrackUri
from ._values import check_record_uri

__all__ = ["hashed_track_id", "insert_for", "resolve_track_uris", "track_ids_for"]

# Past this many probes something is wrong (2**53 ids, each probe a fresh hash).
_MAX_PROBES = 64


def insert_for(session: AsyncSession) -> Any:
    """The dialect's ``INSERT`` with ``ON CONFLICT`` (PostgreSQL or SQLite)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def hashed_track_id(uri: str, attempt: int = 0) -> int:
    """The id derived from ``uri`` (0..2**53 - 1); ``attempt`` > 0 after a collision."""
    text = uri if attempt == 0 else f"{uri}#{attempt}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 11


async def track_ids_for(
    session: AsyncSession, uris: Sequence[str], *, assign: bool = True
) -> dict[str, int]:
    """The ids of ``uris`` (checked AT-URIs), in the caller's transaction; with ``assign``
    every URI gets one (stored), without it unknown URIs are left out."""
    wanted = sorted(set(uris))
    found: dict[str, int] = {}
    for chunk in chunks(wanted):
        rows = await session.execute(
            sa.select(TrackUri.uri, TrackUri.track_id).where(TrackUri.uri.in_(chunk))
        )
        found.update(dict(rows.all()))
    missing = [uri for uri in wanted if uri not in found]
    if not missing or not assign:
        return found
    new: dict[str, int] = {}
    # A track imported with its record keeps its id (the lowest, should two share a URI).
    for chunk in chunks(missing):
        rows = await session.execute(
            sa.select(Track.uri, sa.func.min(Track.id))
            .where(Track.uri.in_(chunk))
            .group_by(Track.uri)
        )
        new.update(dict(rows.all()))
    taken = set(new.values())
    hashed = {uri: hashed_track_id(uri) for uri in missing if uri not in new}
    # Which hashed ids are used, a chunk at a time (a vectors file may name a million
    # URIs); only a collision is probed on its own.
    used: set[int] = set()
    for chunk in chunks(sorted(set(hashed.values()))):
        for column in (Track.id, TrackUri.track_id):
            used.update((await session.scalars(sa.select(column).where(column.in_(chunk)))).all())
    for uri, candidate in hashed.items():
        if candidate in used or candidate in taken:
            candidate = await _free_id(session, uri, taken=taken)
        new[uri] = candidate
        taken.add(candidate)
    insert = insert_for(session)
    # Another process may assign the same URI meanwhile: its id wins, read back below.
    if len(new) == 1:  # a followed record, one at a time: one round trip when all is well
        [(uri, track_id)] = new.items()
        written = await session.scalar(
            insert(TrackUri)
            .values(uri=uri, track_id=track_id)
            .on_conflict_do_nothing()
            .returning(TrackUri.track_id)
        )
        if written is not None:
            found[uri] = int(written)
            return found
    for chunk in chunks([{"uri": uri, "track_id": tid} for uri, tid in new.items()]):
        await session.execute(insert(TrackUri).on_conflict_do_nothing(), list(chunk))
    for chunk in chunks(sorted(new)):
        rows = await session.execute(
            sa.select(TrackUri.uri, TrackUri.track_id).where(TrackUri.uri.in_(chunk))
        )
        found.update(dict(rows.all()))
    return found


async def _free_id(session: AsyncSession, uri: str, *, taken: set[int]) -> int:
    for attempt in range(_MAX_PROBES):
        candidate = hashed_track_id(uri, attempt)
        if candidate in taken:
            continue
        used = await session.scalar(
            sa.select(
                sa.or_(
                    sa.exists().where(Track.id == candidate),
                    sa.exists().where(TrackUri.track_id == candidate),
                )
            )
        )
        if not used:
            return candidate
    raise RuntimeError(f"no free track id for {uri} after {_MAX_PROBES} probes")


async def resolve_track_uris(database: Database, uris: Sequence[str]) -> dict[str, int]:
    """The id of every URI in ``uris``, assigning ids to new ones, in one transaction.

    :class:`InvalidInput` for a string that is not a record AT-URI. Used by ``segue import
    vectors`` with URIs: vectors may come before their tracks, which then get these ids.
    """
    checked = [check_record_uri(uri) for uri in uris]
    async with database_errors(), database.sessionmaker.begin() as session:
        return await track_ids_for(session, checked)
