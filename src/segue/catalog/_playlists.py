"""Playlists and their ordered items.

Every mutation is one transaction (see :func:`committing`): it locks the playlist row,
checks that the caller owns it, changes the items, recomputes the record CID from the new
items and stores it, then commits; any failure rolls all of it back. The CID therefore
never disagrees with the items, which is what the recommendation cache relies on.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from segue.atproto import items_record_cid
from segue.errors import Conflict, Forbidden, InvalidInput, NotFound

from ._db import database_errors
from ._models import Artist, Dismissal, Playlist, PlaylistItem, Track, User, utc_now
from ._reads import is_track_id, playlist_holds, playlist_rows, require_owner
from ._tracks import track_available, track_view, track_view_columns
from ._unit import committing
from ._users import add_user_if_missing
from ._values import check_playlist_id, clean_playlist_name
from ._views import PlaylistView

__all__ = [
    "PLAYLIST_MAX_TRACKS",
    "append_track",
    "changing",
    "create_playlist",
    "followed_playlist_problem",
    "get_playlist",
    "new_playlist_id",
    "remove_track",
    "reorder_tracks",
]

PLAYLIST_MAX_TRACKS = 10_000
_ID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # ATProto's base32-sortable alphabet
_ID_LENGTH = 13


def new_playlist_id() -> str:
    """A random 13-character id, usable as an ATProto record key (65 bits of entropy)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))


# -- reading --------------------------------------------------------------------------------


async def get_playlist(session: AsyncSession, playlist_id: str) -> PlaylistView:
    """The playlist and its tracks in order (:class:`NotFound` if there is none).

    Access is the caller's to decide: compare ``owner_did`` with the signed-in user.

        >>> playlist = await get_playlist(session, "3kq2d7x4m5abc")  # doctest: +SKIP
        >>> [t.title for t in playlist.tracks]  # doctest: +SKIP
    """
    # One statement, so one snapshot: read in two, a write committed in between would pair
    # the old record CID with the new items (PostgreSQL's READ COMMITTED gives each
    # statement its own snapshot), and recommendations would be cached under a CID whose
    # items they were not computed from.
    stmt = (
        sa.select(
            *track_view_columns(),
            Track.visible,
            Track.deleted_at,
            Playlist.name.label("playlist_name"),
            Playlist.owner_did,
            Playlist.record_cid,
            Playlist.created_at.label("playlist_created_at"),
            Playlist.updated_at.label("playlist_updated_at"),
        )
        .select_from(Playlist)
        .outerjoin(PlaylistItem, PlaylistItem.playlist_id == Playlist.id)
        .outerjoin(Track, PlaylistItem.track_id == Track.id)
        .outerjoin(Artist, Track.artist_did == Artist.did)
        # A hidden playlist (its owner's account taken down on the network) reads as missing.
        .where(Playlist.id == playlist_id, Playlist.visible.is_(True))
        .order_by(PlaylistItem.position)
    )
    async with database_errors():
        rows = (await session.execute(stmt)).all()
    items = playlist_rows(rows, playlist_id, 0)
    head = rows[0]
    return PlaylistView(
        id=playlist_id,
        name=head.playlist_name,
        owner_did=head.owner_did,
        record_cid=head.record_cid,
        created_at=head.playlist_created_at,
        updated_at=head.playlist_updated_at,
        track_ids=tuple(row[0] for row in items),
        tracks=tuple(track_view(row) for row in items if row.visible and row.deleted_at is None),
    )


# -- writing --------------------------------------------------------------------------------


async def create_playlist(
    session: AsyncSession,
    owner_did: str,
    name: str,
    *,
    playlist_id: str | None = None,
    max_playlists: int | None = None,
    owner_handle: str | None = None,
) -> PlaylistView:
    """Create an empty playlist owned by ``owner_did``; commits. 201 material.

    With ``max_playlists`` (the API's ``SEGUE_MAX_PLAYLISTS_PER_USER``), a user who has
    that many already gets :class:`Conflict`. With ``owner_handle``, an owner without a
    user row (a DID signed in by service auth or a platform) gets one first, with that
    handle; without it, such an owner is :class:`NotFound`.

    >>> playlist = await create_playlist(session, user.did, "Late night")  # doctest: +SKIP
    """
    name = clean_playlist_name(name)
    playlist_id = new_playlist_id() if playlist_id is None else check_playlist_id(playlist_id)
    if owner_handle is not None:
        await add_user_if_missing(session, owner_did, owner_handle)
    try:
        async with committing(session):
            # FOR UPDATE: on PostgreSQL concurrent creations by one user are counted one
            # after the other, so the cap holds exactly. SQLite has no row locks: there,
            # creations racing each other may pass it by a few (a guard against scripts,
            # which the rate limits slow down anyway, not an exact quota).
            user = await session.get(User, owner_did, with_for_update=max_playlists is not None)
            if user is None:
                raise NotFound(f"no user {owner_did!r}")
            if max_playlists is not None:
                owned = await session.scalar(
                    sa.select(sa.func.count())
                    .select_from(Playlist)
                    .where(Playlist.owner_did == owner_did)
                )
                if (owned or 0) >= max_playlists:
                    raise Conflict(
                        f"a user may have at most {max_playlists} playlists; this one has {owned}"
                    )
            if await session.get(Playlist, playlist_id) is not None:
                raise Conflict(f"playlist {playlist_id!r} already exists")
            session.add(
                Playlist(
                    id=playlist_id,
                    owner_did=owner_did,
                    name=name,
                    record_cid=items_record_cid(name, []),
                )
            )
    except sa_exc.IntegrityError:
        # Lost a race: the same id was created, or the owner removed, since the checks.
        raise Conflict(f"playlist {playlist_id!r} could not be created; try again") from None
    return await get_playlist(session, playlist_id)


async def append_track(
    session: AsyncSession, playlist_id: str, track_id: int, *, actor_did: str
) -> PlaylistView:
    """Add a track at the end (:class:`Conflict` if it is already in); commits. A dismissal
    of the track for this playlist is undone with it.

    :class:`NotFound` if the playlist or the track does not exist or the track is hidden
    or deleted; :class:`Forbidden` unless ``actor_did`` owns the playlist.
    """
    async with changing(session, playlist_id, actor_did) as name:
        track = await session.get(Track, track_id) if is_track_id(track_id) else None
        if track is None or not track.visible or track.deleted_at is not None:
            raise NotFound(f"no track {track_id}")
        if await playlist_holds(session, playlist_id, track_id):
            raise Conflict(f"track {track_id} is already in the playlist")
        last, count = (
            await session.execute(
                sa.select(sa.func.max(PlaylistItem.position), sa.func.count()).where(
                    PlaylistItem.playlist_id == playlist_id
                )
            )
        ).one()
        if count >= PLAYLIST_MAX_TRACKS:
            raise InvalidInput(f"a playlist holds at most {PLAYLIST_MAX_TRACKS} tracks")
        session.add(
            PlaylistItem(
                playlist_id=playlist_id,
                track_id=track_id,
                position=0 if last is None else last + 1,
            )
        )
        # Adding a track says it is for this playlist: a dismissal of it is undone (issue
        # 26), else removing it again would leave it dismissed without anyone asking.
        undismissed = (
            await session.execute(
                sa.delete(Dismissal)
                .where(Dismissal.playlist_id == playlist_id, Dismissal.track_id == track_id)
                .returning(Dismissal.track_id)
            )
        ).first()
        if undismissed is not None:
            await session.execute(
                sa.update(Playlist)
                .where(Playlist.id == playlist_id)
                .values(dismissals_generation=Playlist.dismissals_generation + 1),
                execution_options={"synchronize_session": False},
            )
        await _store_record_cid(session, playlist_id, name)
    return await get_playlist(session, playlist_id)


async def remove_track(
    session: AsyncSession, playlist_id: str, track_id: int, *, actor_did: str
) -> PlaylistView:
    """Remove a track from the playlist (:class:`NotFound` if it is not in it); commits."""
    async with changing(session, playlist_id, actor_did) as name:
        if not is_track_id(track_id):
            raise NotFound(f"track {track_id} is not in the playlist")
        deleted = await session.execute(
            sa.delete(PlaylistItem)
            .where(PlaylistItem.playlist_id == playlist_id, PlaylistItem.track_id == track_id)
            .returning(PlaylistItem.track_id)
        )
        if deleted.first() is None:
            raise NotFound(f"track {track_id} is not in the playlist")
        await _store_record_cid(session, playlist_id, name)
    return await get_playlist(session, playlist_id)


async def reorder_tracks(
    session: AsyncSession, playlist_id: str, track_ids: Sequence[int], *, actor_did: str
) -> PlaylistView:
    """Put the playlist's tracks in the order of ``track_ids``; commits.

    ``track_ids`` is either every item of the playlist, or exactly the ones a client is
    shown (:attr:`PlaylistView.tracks`); in the second case hidden or deleted items keep
    their places. Anything else is :class:`InvalidInput`.
    """
    wanted = [int(i) for i in track_ids]
    if len(set(wanted)) != len(wanted):
        raise InvalidInput("a track appears more than once in the new order")
    async with changing(session, playlist_id, actor_did) as name:
        current = (
            await session.execute(
                sa.select(PlaylistItem.track_id, track_available())
                .join(Track, PlaylistItem.track_id == Track.id)
                .where(PlaylistItem.playlist_id == playlist_id)
                .order_by(PlaylistItem.position)
            )
        ).all()
        new_order = _new_order([(tid, bool(ok)) for tid, ok in current], wanted)
        if new_order == [tid for tid, _ in current]:
            return await get_playlist(session, playlist_id)
        await session.execute(
            sa.delete(PlaylistItem).where(PlaylistItem.playlist_id == playlist_id)
        )
        await session.execute(
            sa.insert(PlaylistItem),
            [
                {"playlist_id": playlist_id, "track_id": tid, "position": pos}
                for pos, tid in enumerate(new_order)
            ],
        )
        await _store_record_cid(session, playlist_id, name)
    return await get_playlist(session, playlist_id)


def _new_order(current: list[tuple[int, bool]], wanted: list[int]) -> list[int]:
    everything = [tid for tid, _ in current]
    if set(wanted) == set(everything):
        return wanted
    slots = [i for i, (_, shown) in enumerate(current) if shown]
    if set(wanted) != {everything[i] for i in slots}:
        raise InvalidInput("the new order must list exactly the playlist's tracks")
    new_order = list(everything)
    for slot, tid in zip(slots, wanted, strict=True):
        new_order[slot] = tid
    return new_order


@asynccontextmanager
async def changing(session: AsyncSession, playlist_id: str, actor_did: str) -> AsyncIterator[str]:
    """One change of an owned playlist, as one transaction (:func:`committing`); yields its
    name, with its row locked for the rest of the transaction.

    Someone else's playlist is refused (:class:`Forbidden`; :class:`NotFound` for none) in
    one light read, before any lock is taken or item read; a followed one is
    :class:`Conflict`.

        async with changing(session, playlist_id, actor_did) as name:
            ...  # change the items
            await _store_record_cid(session, playlist_id, name)
    """
    await require_owner(session, playlist_id, actor_did)
    async with committing(session):
        yield await _lock_owned(session, playlist_id, actor_did)


async def _lock_owned(session: AsyncSession, playlist_id: str, actor_did: str) -> str:
    """Lock the playlist row for this transaction; its name if ``actor_did`` owns it.

    The lock is taken by writing (``UPDATE ... RETURNING``) rather than by ``SELECT ...
    FOR UPDATE``: SQLite has no row locks, and writing first makes it take its write lock
    up front (waiting on the busy timeout) instead of failing to upgrade a read later.
    """
    row = (
        await session.execute(
            sa.update(Playlist)
            .where(Playlist.id == playlist_id, Playlist.visible.is_(True))
            .values(updated_at=utc_now())
            .returning(Playlist.owner_did, Playlist.name, Playlist.record_uri),
            execution_options={"synchronize_session": False},
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"no playlist {playlist_id!r}")
    owner_did, name, record_uri = row
    if owner_did != actor_did:
        raise Forbidden("only the playlist's owner may change it")
    if record_uri is not None:
        # A followed playlist is its network record: an edit here would pair Segue's CID
        # with items the next version of the record replaces (or the record's CID with
        # items it never had), and the cache would serve a ranking of other items.
        raise Conflict(followed_playlist_problem(playlist_id, record_uri))
    return str(name)


def followed_playlist_problem(playlist_id: str, record_uri: str) -> str:
    """Why a followed playlist cannot be changed here, and where it can."""
    return (
        f"playlist {playlist_id!r} is the ATProto record {record_uri}, which Segue follows: "
        "edit it where it was made (its owner's app, which writes the record to their PDS); "
        "Segue picks the new version up from the network"
    )


async def _store_record_cid(session: AsyncSession, playlist_id: str, name: str) -> None:
    """Recompute the record CID from the items as they now are (in this transaction)."""
    await session.flush()
    items: Any = (
        await session.execute(
            sa.select(Track.id, Track.artist_did, Track.uri, Track.cid)
            .join(PlaylistItem, PlaylistItem.track_id == Track.id)
            .where(PlaylistItem.playlist_id == playlist_id)
            .order_by(PlaylistItem.position)
        )
    ).all()
    await session.execute(
        sa.update(Playlist)
        .where(Playlist.id == playlist_id)
        .values(record_cid=items_record_cid(name, items)),
        execution_options={"synchronize_session": False},
    )
