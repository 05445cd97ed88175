"""A playlist's items replaced whole, with what keys its cached recommendations.

A cached ranking is keyed by the playlist's record CID and its seeds generation: items
that change must change one of them. The API's edits and the imports compute a new record
CID from the items (``items_record_cid``); a playlist followed from the network takes its
record's own CID, and its items can change under that same record (a track it lists
arrives later), so then its seeds generation moves.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ._models import Playlist, PlaylistItem

__all__ = ["replace_items"]


async def replace_items(
    session: AsyncSession, playlist_id: str, track_ids: Sequence[int], *, same_record: bool
) -> bool:
    """Make the playlist's items ``track_ids`` in this order, in the caller's transaction;
    whether they changed.

    ``same_record``: the playlist's record CID stays as it is, so changed items move its
    seeds generation; otherwise the caller stores the new record's CID in this transaction.
    """
    current = list(
        (
            await session.scalars(
                sa.select(PlaylistItem.track_id)
                .where(PlaylistItem.playlist_id == playlist_id)
                .order_by(PlaylistItem.position)
            )
        ).all()
    )
    if list(track_ids) == current:
        return False
    await session.execute(sa.delete(PlaylistItem).where(PlaylistItem.playlist_id == playlist_id))
    if track_ids:
        await session.execute(
            sa.insert(PlaylistItem),
            [
                {"playlist_id": playlist_id, "track_id": tid, "position": pos}
                for pos, tid in enumerate(track_ids)
            ],
        )
    if same_record:
        await session.execute(
            sa.update(Playlist)
            .where(Playlist.id == playlist_id)
            # updated_at is the playlist's own edit time: kept as it is
            .values(seeds_generation=Playlist.seeds_generation + 1, updated_at=Playlist.updated_at)
            .execution_options(synchronize_session=False)
        )
    return True
