"""A user's playlists as a whole: one page of them at a time, renaming, deleting.

Before issue 26 ``GET /me/playlists`` showed at most 100 of up to 1,000 playlists and none
could be renamed or deleted, so a user at the cap was stuck.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from segue.errors import InvalidInput

from ._db import database_errors
from ._models import Playlist, PlaylistItem, Track
from ._playlists import _store_record_cid, changing, get_playlist
from ._tracks import track_available
from ._values import clean_playlist_name
from ._views import PlaylistSummary, PlaylistView

__all__ = ["PlaylistPage", "delete_playlist", "list_playlists", "playlists_page", "rename_playlist"]


@dataclass(frozen=True, slots=True)
class PlaylistPage:
    playlists: list[PlaylistSummary]
    #: pass it back for the next page; ``None`` on the last one
    next_cursor: str | None


def _encode(updated_at: datetime, playlist_id: str) -> str:
    raw = json.dumps([updated_at.isoformat(), playlist_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, playlist_id = json.loads(raw)
        at = datetime.fromisoformat(when)
        # The server's cursors carry UTC times; a naive time, or one that leaves the
        # datetime range in UTC, would fail in the query as a 500 rather than here as a 422.
        if at.tzinfo is None:
            raise ValueError("a naive time")
        return at.astimezone(UTC), str(playlist_id)
    except (ValueError, TypeError, OverflowError, binascii.Error):
        raise InvalidInput("cursor: not a cursor this server gave") from None


async def playlists_page(
    session: AsyncSession, owner_did: str, *, limit: int = 100, cursor: str | None = None
) -> PlaylistPage:
    """One page of the user's playlists, most recently changed first (then by id).

    A keyset cursor (the last one's ``updated_at`` and id): no playlist is shown twice nor
    skipped while none changes; one edited meanwhile moves to the front, as on a reload.
    ``track_count`` counts the tracks shown (visible, not deleted), as the playlist's page
    shows them: a track taken down does not count.

        >>> page = await playlists_page(session, did, limit=20)  # doctest: +SKIP
        >>> more = await playlists_page(session, did, cursor=page.next_cursor)  # doctest: +SKIP
    """
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit must be between 1 and 1000")
    count = (
        sa.select(sa.func.count())
        .select_from(PlaylistItem)
        .join(Track, PlaylistItem.track_id == Track.id)
        .where(PlaylistItem.playlist_id == Playlist.id, track_available())
        .correlate(Playlist)
        .scalar_subquery()
    )
    stmt = sa.select(Playlist, count).where(
        Playlist.owner_did == owner_did, Playlist.visible.is_(True)
    )
    if cursor is not None:
        when, after = _decode(cursor)
        stmt = stmt.where(
            sa.or_(
                Playlist.updated_at < when,
                sa.and_(Playlist.updated_at == when, Playlist.id > after),
            )
        )
    stmt = stmt.order_by(Playlist.updated_at.desc(), Playlist.id).limit(limit + 1)
    async with database_errors():
        rows = (await session.execute(stmt)).all()
    summaries = [
        PlaylistSummary(
            id=p.id,
            name=p.name,
            owner_did=p.owner_did,
            record_cid=p.record_cid,
            track_count=n,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )
        for p, n in rows[:limit]
    ]
    more = len(rows) > limit
    last = summaries[-1] if summaries and more else None
    return PlaylistPage(summaries, _encode(last.updated_at, last.id) if last else None)


async def list_playlists(
    session: AsyncSession, owner_did: str, *, limit: int = 100
) -> list[PlaylistSummary]:
    """The user's first ``limit`` playlists (:func:`playlists_page`'s first page)."""
    return (await playlists_page(session, owner_did, limit=limit)).playlists


async def rename_playlist(
    session: AsyncSession, playlist_id: str, name: str, *, actor_did: str
) -> PlaylistView:
    """Give the playlist a new name (checked as a new one's); its record CID follows."""
    name = clean_playlist_name(name)
    async with changing(session, playlist_id, actor_did):
        await session.execute(
            sa.update(Playlist).where(Playlist.id == playlist_id).values(name=name),
            execution_options={"synchronize_session": False},
        )
        await _store_record_cid(session, playlist_id, name)
    return await get_playlist(session, playlist_id)


async def delete_playlist(session: AsyncSession, playlist_id: str, *, actor_did: str) -> None:
    """Delete the playlist with its items and dismissals (they cascade); commits."""
    async with changing(session, playlist_id, actor_did):
        await session.execute(sa.delete(Playlist).where(Playlist.id == playlist_id))
