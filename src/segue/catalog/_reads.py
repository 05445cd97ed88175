"""Light reads for the recommendation hot path: a few columns, no ORM objects.

A cache hit needs only the playlist's owner and record CID, never its items; a miss needs
the item ids together with the CID they belong to, read in one statement (one snapshot).
Both take a plain connection (``database.engine.connect()``) or a session, and their
statements are built once, so each call costs one cached, pre-compiled execution.

    >>> async with database.engine.connect() as conn:  # doctest: +SKIP
    ...     head = await playlist_head(conn, "3kq2d7x4m5abc")
    >>> head.record_cid  # doctest: +SKIP
    'bafyrei...'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from segue.errors import NotFound

from ._db import database_errors
from ._generations import INDEX_GENERATION
from ._models import CatalogState, Playlist, PlaylistItem, Track

__all__ = ["PlaylistHead", "PlaylistSeeds", "Reader", "playlist_head", "playlist_seeds"]

#: what the read functions accept: a Core connection (the hot path) or an ORM session
Reader: TypeAlias = AsyncConnection | AsyncSession


@dataclass(frozen=True, slots=True)
class PlaylistHead:
    """Who owns a playlist and which version of it this is.

    ``record_cid`` changes with its items; ``seeds_generation`` when one of its tracks is
    hidden, shown, deleted or restored; ``index_generation`` when vectors are written.
    """

    id: str
    owner_did: str
    record_cid: str
    seeds_generation: int
    index_generation: int


@dataclass(frozen=True, slots=True)
class PlaylistSeeds(PlaylistHead):
    """A playlist version's items, as a recommendation needs them, with the head they
    belong to (read in the same statement).

    ``item_ids`` is every item in order (none of them may be suggested); ``seed_ids`` the
    items a listener sees (visible, not deleted), which the suggestions are computed from.
    """

    item_ids: tuple[int, ...]
    seed_ids: tuple[int, ...]


_INDEX_GENERATION = (
    sa.select(CatalogState.value)
    .where(CatalogState.name == INDEX_GENERATION)
    .scalar_subquery()
    .label("index_generation")
)
_HEAD_COLUMNS = (
    Playlist.owner_did,
    Playlist.record_cid,
    Playlist.seeds_generation,
    _INDEX_GENERATION,
)
# A hidden playlist (its owner's account taken down on the network) reads as missing.
_HEAD = sa.select(*_HEAD_COLUMNS).where(
    Playlist.id == sa.bindparam("playlist_id"), Playlist.visible.is_(True)
)

# One statement, so one snapshot: read in two, a write committed in between would pair the
# old record CID with the new items (PostgreSQL's READ COMMITTED gives each statement its
# own snapshot), and recommendations would be cached under a CID they were not computed for.
_SEEDS = (
    sa.select(*_HEAD_COLUMNS, PlaylistItem.track_id, Track.visible, Track.deleted_at)
    .select_from(Playlist)
    .outerjoin(PlaylistItem, PlaylistItem.playlist_id == Playlist.id)
    .outerjoin(Track, PlaylistItem.track_id == Track.id)
    .where(Playlist.id == sa.bindparam("playlist_id"), Playlist.visible.is_(True))
    .order_by(PlaylistItem.position)
)


async def playlist_head(reader: Reader, playlist_id: str) -> PlaylistHead:
    """The playlist's owner and record CID (:class:`NotFound` if there is none)."""
    async with database_errors():
        row = (await reader.execute(_HEAD, {"playlist_id": playlist_id})).first()
    if row is None:
        raise NotFound(f"no playlist {playlist_id!r}")
    return PlaylistHead(playlist_id, row[0], row[1], row[2], row[3] or 0)


async def playlist_seeds(reader: Reader, playlist_id: str) -> PlaylistSeeds:
    """The playlist's items with the record CID they belong to (:class:`NotFound`)."""
    async with database_errors():
        rows = (await reader.execute(_SEEDS, {"playlist_id": playlist_id})).all()
    if not rows:
        raise NotFound(f"no playlist {playlist_id!r}")
    head = rows[0]
    items = [row for row in rows if row[4] is not None]  # an empty playlist: one row of NULLs
    return PlaylistSeeds(
        id=playlist_id,
        owner_did=head[0],
        record_cid=head[1],
        seeds_generation=head[2],
        index_generation=head[3] or 0,
        item_ids=tuple(row[4] for row in items),
        seed_ids=tuple(row[4] for row in items if row[5] and row[6] is None),
    )
