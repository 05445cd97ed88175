"""Light reads for the recommendation hot path: a few columns, no ORM objects.

A cache hit needs only the playlist's owner, record CID and generations, never its items;
a miss needs the item ids together with the CID they belong to, read in one statement (one
snapshot), then the playlist's dismissed tracks. Both take a plain connection
(``database.engine.connect()``) or a session, and their statements are built once, so each
call costs one cached, pre-compiled execution.

    >>> async with database.engine.connect() as conn:  # doctest: +SKIP
    ...     head = await playlist_head(conn, "3kq2d7x4m5abc")
    >>> head.record_cid  # doctest: +SKIP
    'bafyrei...'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeAlias, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from segue.errors import Forbidden, NotFound
from segue.limits import TRACK_ID_MAX

from ._db import database_errors
from ._driver import DriverStatement, fetch_rows
from ._generations import INDEX_GENERATION
from ._models import CatalogState, Dismissal, Playlist, PlaylistItem, Track
from ._tracks import track_available

__all__ = [
    "PlaylistHead",
    "PlaylistSeeds",
    "Reader",
    "TrackHead",
    "dismissed_ids",
    "has_tracks",
    "playlist_head",
    "playlist_seeds",
    "require_owner",
    "track_head",
]

#: what the read functions accept: a Core connection (the hot path) or an ORM session
Reader: TypeAlias = AsyncConnection | AsyncSession
_Row = TypeVar("_Row", bound=Sequence[Any])


@dataclass(frozen=True, slots=True)
class PlaylistHead:
    """Who owns a playlist and which version of it this is.

    ``record_cid`` changes with its items; ``seeds_generation`` when one of its tracks is
    hidden, shown, deleted or restored; ``index_generation`` when vectors are written;
    ``dismissals_generation`` with every dismissal of a suggestion and every undo.
    """

    id: str
    owner_did: str
    record_cid: str
    seeds_generation: int
    index_generation: int
    dismissals_generation: int = field(default=0, kw_only=True)


@dataclass(frozen=True, slots=True)
class PlaylistSeeds(PlaylistHead):
    """A playlist version's items, as a recommendation needs them, with the head they
    belong to (read in the same statement).

    ``item_ids`` is every item in order (none of them may be suggested); ``seed_ids`` the
    items a listener sees (visible, not deleted), which the suggestions are computed from,
    and ``seed_titles`` their ``(artist DID, title)`` in the same order (no suggestion may
    repeat one); ``dismissed_ids`` the tracks its owner said are not for it.
    """

    item_ids: tuple[int, ...]
    seed_ids: tuple[int, ...]
    seed_titles: tuple[tuple[str, str], ...] = field(default=(), kw_only=True)
    dismissed_ids: tuple[int, ...] = field(default=(), kw_only=True)


@dataclass(frozen=True, slots=True)
class TrackHead:
    """A track that similar tracks are asked for: what names its version in a cache key
    (``cid``: its record's, ``None`` for an imported track; its artist and title, which no
    suggestion may repeat) and the catalog's ``index_generation``."""

    id: int
    cid: str | None
    artist_did: str
    title: str
    index_generation: int


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
    Playlist.dismissals_generation,
)
# A hidden playlist (its owner's account taken down on the network) reads as missing.
_VISIBLE = sa.and_(Playlist.id == sa.bindparam("playlist_id"), Playlist.visible.is_(True))
# On asyncpg's own connection from a plain connection: a cache hit's first read (_driver.py).
_HEAD = DriverStatement(sa.select(*_HEAD_COLUMNS).where(_VISIBLE))
_OWNER = sa.select(Playlist.owner_did).where(_VISIBLE)

# One statement, so one snapshot: read in two, a write committed in between would pair the
# old record CID with the new items (PostgreSQL's READ COMMITTED gives each statement its
# own snapshot), and recommendations would be cached under a CID they were not computed for.
_SEEDS = (
    sa.select(
        *_HEAD_COLUMNS,
        PlaylistItem.track_id,
        Track.visible,
        Track.deleted_at,
        Track.artist_did,
        Track.title,
    )
    .select_from(Playlist)
    .outerjoin(PlaylistItem, PlaylistItem.playlist_id == Playlist.id)
    .outerjoin(Track, PlaylistItem.track_id == Track.id)
    .where(Playlist.id == sa.bindparam("playlist_id"), Playlist.visible.is_(True))
    .order_by(PlaylistItem.position)
)
_ITEM = len(_HEAD_COLUMNS)  # where the item's columns start in a _SEEDS row

_DISMISSED = (
    sa.select(Dismissal.track_id)
    .where(Dismissal.playlist_id == sa.bindparam("playlist_id"))
    .order_by(Dismissal.track_id)
)


def _head(playlist_id: str, row: Any) -> PlaylistHead:
    """The head from a row that starts with ``_HEAD_COLUMNS``."""
    return PlaylistHead(
        playlist_id, row[0], row[1], row[2], row[3] or 0, dismissals_generation=row[4]
    )


async def playlist_head(reader: Reader, playlist_id: str) -> PlaylistHead:
    """The playlist's owner, record CID and generations (:class:`NotFound` if none)."""
    rows = await fetch_rows(reader, _HEAD, {"playlist_id": playlist_id})
    if not rows:
        raise NotFound(f"no playlist {playlist_id!r}")
    return _head(playlist_id, rows[0])


async def dismissed_ids(reader: Reader, playlist_id: str) -> tuple[int, ...]:
    """The tracks dismissed for the playlist, by id (one statement)."""
    async with database_errors():
        rows = (await reader.execute(_DISMISSED, {"playlist_id": playlist_id})).all()
    return tuple(int(row[0]) for row in rows)


async def require_owner(reader: Reader, playlist_id: str, user_did: str) -> None:
    """:class:`NotFound` unless the playlist exists, :class:`Forbidden` unless ``user_did``
    owns it: one primary-key read, no lock, before anything loads or locks its items.

    A request for someone else's playlist of 10,000 tracks is refused for the price of
    this read, and never waits for (or takes) the lock the owner's edits hold.
    """
    async with database_errors():
        owner = (await reader.execute(_OWNER, {"playlist_id": playlist_id})).scalar_one_or_none()
    if owner is None:
        raise NotFound(f"no playlist {playlist_id!r}")
    if owner != user_did:
        raise Forbidden("only the playlist's owner can do this")


def playlist_rows(rows: Sequence[_Row], playlist_id: str, item: int) -> list[_Row]:
    """The item rows of a playlist read joined to its items (``LEFT JOIN``), its columns
    in every row: :class:`NotFound` for no row at all; an empty playlist is one row whose
    item columns (``row[item]`` first) are NULL, and gives none."""
    if not rows:
        raise NotFound(f"no playlist {playlist_id!r}")
    return [row for row in rows if row[item] is not None]


def is_track_id(track_id: int) -> bool:
    """Whether ``track_id`` can name a track at all (``0..TRACK_ID_MAX``): a larger one is
    not looked up (a database integer could not even hold it)."""
    return 0 <= track_id <= TRACK_ID_MAX


async def playlist_holds(reader: Reader, playlist_id: str, track_id: int) -> bool:
    """Whether the playlist's items include ``track_id`` (in the caller's transaction)."""
    count = await reader.scalar(
        sa.select(sa.func.count()).where(
            PlaylistItem.playlist_id == playlist_id, PlaylistItem.track_id == track_id
        )
    )
    return bool(count)


async def playlist_seeds(reader: Reader, playlist_id: str) -> PlaylistSeeds:
    """The playlist's items with the record CID they belong to, then its dismissed tracks
    (two statements; :class:`NotFound`).

    The dismissals are read after the head: a dismissal committed in between is then used
    under the older generation's key, which no request reads once the newer one is seen.
    Read the other way round, a ranking computed without it could be cached under the
    newer key.
    """
    async with database_errors():
        rows = (await reader.execute(_SEEDS, {"playlist_id": playlist_id})).all()
    items = playlist_rows(rows, playlist_id, _ITEM)
    head = _head(playlist_id, rows[0])
    seeds = [row for row in items if row[_ITEM + 1] and row[_ITEM + 2] is None]
    # Every field of the head, as read: a field added to PlaylistHead comes along.
    return PlaylistSeeds(
        **{f.name: getattr(head, f.name) for f in fields(PlaylistHead)},
        item_ids=tuple(row[_ITEM] for row in items),
        seed_ids=tuple(row[_ITEM] for row in seeds),
        seed_titles=tuple((row[_ITEM + 3], row[_ITEM + 4]) for row in seeds),
        dismissed_ids=await dismissed_ids(reader, playlist_id),
    )


# The same rule as every list of tracks a listener sees (catalog.track_available): one named
# condition, so a rule added to it (a gated or labelled track) applies here too.
_TRACK_HEAD = sa.select(Track.cid, Track.artist_did, Track.title, _INDEX_GENERATION).where(
    Track.id == sa.bindparam("track_id"), track_available()
)


async def track_head(reader: Reader, track_id: int) -> TrackHead:
    """The track, if a listener may see it (:class:`NotFound` for an unknown, hidden or
    deleted one: the same answer, so a hidden track's existence is not told)."""
    async with database_errors():
        row = (await reader.execute(_TRACK_HEAD, {"track_id": track_id})).first()
    if row is None:
        raise NotFound(f"no track {track_id}")
    return TrackHead(track_id, row[0], row[1], row[2], row[3] or 0)


_ANY_TRACK = sa.select(sa.exists().where(Track.deleted_at.is_(None)))


async def has_tracks(reader: Reader) -> bool:
    """Whether the catalog holds a track that is not deleted (one index probe, not a count)."""
    async with database_errors():
        return bool((await reader.execute(_ANY_TRACK)).scalar())
