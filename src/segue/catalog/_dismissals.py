"""Dismissed suggestions: "not for this playlist", said by the playlist's owner.

A dismissed track is never suggested for that playlist again and steers its
recommendations away (a negative example in the plan). Each dismissal and each undo moves
the playlist's ``dismissals_generation`` in the same transaction, and the generation is
part of the recommendation cache key, so the next request computes afresh.

    >>> await dismiss_track(session, "3kq2d7x4m5abc", 42, actor_did=user.did)  # doctest: +SKIP
    >>> await undismiss_track(session, "3kq2d7x4m5abc", 42, actor_did=user.did)  # doctest: +SKIP
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from segue.errors import Conflict, Forbidden, InvalidInput, NotFound

from ._models import Dismissal, Playlist, Track
from ._reads import is_track_id, playlist_holds, require_owner
from ._unit import committing

__all__ = ["DISMISSALS_MAX", "dismiss_track", "undismiss_track"]

# Far more than anyone dismisses by hand; keeps a miss's vector fetch and its negative
# examples bounded (each dismissed track's vector is fetched with the playlist's).
DISMISSALS_MAX = 500


async def dismiss_track(
    session: AsyncSession, playlist_id: str, track_id: int, *, actor_did: str
) -> None:
    """Dismiss a suggestion for the playlist; commits. Dismissing it again changes nothing.

    :class:`NotFound` for an unknown playlist or track, :class:`Forbidden` unless
    ``actor_did`` owns the playlist, :class:`Conflict` for a track in the playlist,
    :class:`InvalidInput` past :data:`DISMISSALS_MAX` dismissals.
    """
    # Someone else's playlist is refused in one light read, before its row is locked.
    await require_owner(session, playlist_id, actor_did)
    async with committing(session):
        await _lock_and_bump(session, playlist_id, actor_did)
        if not is_track_id(track_id) or await session.get(Track, track_id) is None:
            raise NotFound(f"no track {track_id}")
        if await playlist_holds(session, playlist_id, track_id):
            raise Conflict(f"track {track_id} is in the playlist; remove it instead")
        already, count = (
            await session.execute(
                sa.select(
                    sa.func.count().filter(Dismissal.track_id == track_id), sa.func.count()
                ).where(Dismissal.playlist_id == playlist_id)
            )
        ).one()
        if already:
            # Nothing changes: the generation moved with the lock is put back (rolled
            # back), so the cached ranking stays valid and the next request is a hit.
            await session.rollback()
            return
        if count >= DISMISSALS_MAX:
            raise InvalidInput(
                f"a playlist keeps at most {DISMISSALS_MAX} dismissed suggestions; undo some first"
            )
        session.add(Dismissal(playlist_id=playlist_id, track_id=track_id))


async def undismiss_track(
    session: AsyncSession, playlist_id: str, track_id: int, *, actor_did: str
) -> None:
    """Undo a dismissal: the track may be suggested again; commits.

    :class:`NotFound` if the playlist does not exist or the track is not dismissed for it.
    """
    await require_owner(session, playlist_id, actor_did)  # before any lock is taken
    async with committing(session):
        await _lock_and_bump(session, playlist_id, actor_did)
        deleted = None
        if is_track_id(track_id):
            deleted = (
                await session.execute(
                    sa.delete(Dismissal)
                    .where(Dismissal.playlist_id == playlist_id, Dismissal.track_id == track_id)
                    .returning(Dismissal.track_id)
                )
            ).first()
        if deleted is None:
            raise NotFound(f"track {track_id} is not dismissed for this playlist")


async def _lock_and_bump(session: AsyncSession, playlist_id: str, actor_did: str) -> None:
    """Lock the playlist row and move its dismissals generation, if ``actor_did`` owns it.

    One ``UPDATE ... RETURNING``: the write takes the row lock (SQLite its write lock) up
    front, so concurrent dismissals of one playlist run one after the other, and a refusal
    rolls the bump back with everything else.
    """
    owner = (
        await session.execute(
            sa.update(Playlist)
            # A hidden playlist (its owner's account taken down) reads as missing.
            .where(Playlist.id == playlist_id, Playlist.visible.is_(True))
            # updated_at is the playlist's own edit time: a dismissal is not an edit
            .values(
                dismissals_generation=Playlist.dismissals_generation + 1,
                updated_at=Playlist.updated_at,
            )
            .returning(Playlist.owner_did),
            execution_options={"synchronize_session": False},
        )
    ).scalar_one_or_none()
    if owner is None:
        raise NotFound(f"no playlist {playlist_id!r}")
    if owner != actor_did:
        raise Forbidden("only the playlist's owner may change it")
