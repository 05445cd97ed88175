"""Followed track and playlist records into the catalog's tables.

A record is applied only if its repo ``rev`` is newer than the version applied before (or
than its tombstone), so creates, updates and deletes may arrive twice or out of order.
A track record becomes a track of the repo's DID under the id of its URI; a playlist
record becomes the playlist whose id is its record key, with the commit's CID as its
record CID, and its items, in record order, as far as their tracks have arrived: the rest
wait in ``follow_list_items`` and join the playlist when their track comes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import (
    bump_seeds_generation,
    note_audio_sources,
    replace_items,
    tables,
    track_ids_for,
)

from ._apply_accounts import account_state
from ._changes import FollowResult, PlaylistRecord, RecordDeletion, TrackRecord

__all__ = [
    "apply_deletion",
    "apply_playlist",
    "apply_track",
    "delete_records",
    "expire_waiting",
    "rebuild_items",
]


async def _applied(session: AsyncSession, uri: str, rev: str) -> tuple[bool, FollowResult | None]:
    """(whether Segue holds a version of ``uri``, the result if ``rev`` is not newer).

    Revs are TIDs: fixed-length base32 that sorts as time does, so a string comparison
    orders them.
    """
    applied = await session.scalar(
        sa.select(tables.FollowRecord.rev).where(tables.FollowRecord.uri == uri)
    )
    if applied is None or rev > applied:
        return applied is not None, None
    return True, FollowResult.DUPLICATE if rev == applied else FollowResult.STALE


async def _save_version(
    session: AsyncSession, uri: str, did: str, kind: str, rev: str, cid: str | None, time_us: int
) -> None:
    insert = tables.insert_for(session)
    values = {
        "did": did,
        "kind": kind,
        "rev": rev,
        "cid": cid,
        "time_us": time_us,
        "deleted_at": None if cid is not None else tables.utc_now(),
    }
    await session.execute(
        insert(tables.FollowRecord)
        .values(uri=uri, **values)
        .on_conflict_do_update(index_elements=[tables.FollowRecord.uri], set_=values)
    )


async def apply_track(
    session: AsyncSession, record: TrackRecord, *, audio_origins: Collection[str] = ()
) -> FollowResult:
    _, skip = await _applied(session, record.uri, record.rev)
    if skip is not None:
        return skip
    track_id = (await track_ids_for(session, [record.uri]))[record.uri]
    hidden, handle = await account_state(session, record.did)
    visible = not hidden
    insert = tables.insert_for(session)
    artist = insert(tables.Artist).values(
        did=record.did, handle=handle, display_name=record.artist_name
    )
    await session.execute(
        artist.on_conflict_do_update(
            index_elements=[tables.Artist.did],
            set_={"display_name": artist.excluded.display_name, "updated_at": tables.utc_now()},
            where=tables.Artist.display_name.is_distinct_from(artist.excluded.display_name),
        )
    )
    before = (
        await session.execute(
            sa.select(tables.Track.visible, tables.Track.deleted_at).where(
                tables.Track.id == track_id
            )
        )
    ).first()
    values = {
        "title": record.title,
        "artist_did": record.did,
        "image_url": record.image_url,
        "audio_url": record.audio_url,
        # The blob is in the record's own repo: its DID is the record's.
        "audio_blob_did": record.did if record.audio_blob_cid else None,
        "audio_blob_cid": record.audio_blob_cid,
        "suggestible": record.suggestible,
        "uri": record.uri,
        "cid": record.cid,
        "visible": visible,
        "deleted_at": None,
    }
    stmt = insert(tables.Track).values(id=track_id, **values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[tables.Track.id], set_={**values, "updated_at": tables.utc_now()}
        )
    )
    # A new or changed audio source makes the track pending for `segue embed --catalog`.
    await note_audio_sources(session, [track_id], audio_origins=audio_origins)
    # The playlists whose items were waiting for it now hold it. Not only when the row is
    # new: a track imported (or given its id by vectors) before its record, while its URI
    # was not yet mapped, left its playlists waiting too.
    waiting = (
        await session.scalars(
            sa.select(tables.FollowListItem.playlist_id)
            .where(
                tables.FollowListItem.uri == record.uri,
                ~sa.exists().where(
                    tables.PlaylistItem.playlist_id == tables.FollowListItem.playlist_id,
                    tables.PlaylistItem.track_id == track_id,
                ),
            )
            .distinct()
        )
    ).all()
    # Their record (and CID) stays as it was: replace_items moves their seeds generation.
    for playlist_id in sorted(waiting):
        await rebuild_items(session, playlist_id, same_record=True)
    if before is not None and (bool(before.visible) != visible or before.deleted_at is not None):
        await bump_seeds_generation(session, [track_id])
    await _save_version(
        session, record.uri, record.did, "track", record.rev, record.cid, record.time_us
    )
    return FollowResult.APPLIED


async def apply_playlist(
    session: AsyncSession, record: PlaylistRecord, *, max_lists: int | None = None
) -> FollowResult:
    _, skip = await _applied(session, record.uri, record.rev)
    if skip is not None:
        return skip
    owner = await session.scalar(
        sa.select(tables.Playlist.owner_did)
        .where(tables.Playlist.id == record.playlist_id)
        .with_for_update()
    )
    if owner is not None and owner != record.did:
        return FollowResult.CONFLICT  # the first owner keeps the id (docs/atproto.md)
    if owner is None and max_lists is not None:
        # One account's records must not fill the catalog (each list may wait for 500
        # tracks that never come): a new list beyond the cap is skipped, and not
        # remembered, so it is applied once the account deletes others and edits it.
        held = await session.scalar(
            sa.select(sa.func.count())
            .select_from(tables.Playlist)
            .where(tables.Playlist.owner_did == record.did, tables.Playlist.record_uri.is_not(None))
        )
        if (held or 0) >= max_lists:
            return FollowResult.LIMITED
    insert = tables.insert_for(session)
    hidden, handle = await account_state(session, record.did)
    await session.execute(
        insert(tables.User)
        .values(did=record.did, handle=handle)
        .on_conflict_do_nothing(index_elements=[tables.User.did])
    )
    values = {
        "owner_did": record.did,
        "name": record.name,
        "record_cid": record.cid,  # the network's own CID: exactly the record's cache key
        # The playlist is this record from now on: edited where it was made (docs/atproto.md).
        "record_uri": record.uri,
        "visible": not hidden,
    }
    stmt = insert(tables.Playlist).values(id=record.playlist_id, **values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[tables.Playlist.id], set_={**values, "updated_at": tables.utc_now()}
        )
    )
    await session.execute(
        sa.delete(tables.FollowListItem).where(
            tables.FollowListItem.playlist_id == record.playlist_id
        )
    )
    if record.items:
        await session.execute(
            sa.insert(tables.FollowListItem),
            [
                {"playlist_id": record.playlist_id, "position": i, "uri": ref.uri, "cid": ref.cid}
                for i, ref in enumerate(record.items)
            ],
        )
    await _adopt_imported(session, [ref.uri for ref in record.items])
    # The record's CID was stored with the playlist above: the new cache key.
    await rebuild_items(session, record.playlist_id, same_record=False)
    await _save_version(
        session, record.uri, record.did, "playlist", record.rev, record.cid, record.time_us
    )
    return FollowResult.APPLIED


async def _adopt_imported(session: AsyncSession, uris: Sequence[str]) -> None:
    """Map the URIs of tracks imported with their record (``segue import tracks``) but not
    yet met by URI to those tracks' ids, so the items naming them resolve now."""
    wanted = sorted(set(uris))
    if not wanted:
        return
    imported = (
        await session.scalars(
            sa.select(tables.Track.uri)
            .where(
                tables.Track.uri.in_(wanted),
                ~sa.exists().where(tables.TrackUri.uri == tables.Track.uri),
            )
            .distinct()
        )
    ).all()
    if imported:
        await track_ids_for(session, [u for u in imported if u is not None])


async def rebuild_items(session: AsyncSession, playlist_id: str, *, same_record: bool) -> bool:
    """Make the playlist's items its record's items whose tracks are in the catalog, in
    record order (a track listed twice counts once, at its first place); whether they
    changed."""
    rows = await session.execute(
        sa.select(tables.TrackUri.track_id)
        .select_from(tables.FollowListItem)
        .join(tables.TrackUri, tables.TrackUri.uri == tables.FollowListItem.uri)
        .join(tables.Track, tables.Track.id == tables.TrackUri.track_id)
        .where(tables.FollowListItem.playlist_id == playlist_id)
        .order_by(tables.FollowListItem.position)
    )
    wanted = list(dict.fromkeys(rows.scalars().all()))
    return await replace_items(session, playlist_id, wanted, same_record=same_record)


async def apply_deletion(session: AsyncSession, deletion: RecordDeletion) -> FollowResult:
    known, skip = await _applied(session, deletion.uri, deletion.rev)
    if skip is not None:
        return skip
    if not known and deletion.only_if_known:
        return FollowResult.IGNORED
    await delete_records(session, deletion.did, deletion.kind, [deletion.uri])
    # The tombstone: a replayed create older than this delete is now stale.
    await _save_version(
        session, deletion.uri, deletion.did, deletion.kind, deletion.rev, None, deletion.time_us
    )
    return FollowResult.APPLIED


async def delete_records(
    session: AsyncSession, did: str, kind: Literal["track", "playlist"], uris: Sequence[str]
) -> None:
    """Delete what the records ``uris`` of ``did`` made: their tracks are taken down (the
    seeds generation of the playlists holding them moves), their playlists removed. The
    one-by-one and the bulk path both end a record here; the caller writes its tombstone.

        >>> await delete_records(session, did, "track", [uri])  # doctest: +SKIP
    """
    if kind == "track":
        # The rows stay (playlists refer to them, the ids are kept); they are taken down.
        deleted = await session.execute(
            sa.update(tables.Track)
            .where(
                tables.Track.id.in_(
                    sa.select(tables.TrackUri.track_id).where(tables.TrackUri.uri.in_(uris))
                ),
                tables.Track.deleted_at.is_(None),
            )
            .values(deleted_at=tables.utc_now(), updated_at=tables.utc_now())
            .returning(tables.Track.id),
            execution_options={"synchronize_session": False},
        )
        await bump_seeds_generation(session, deleted.scalars().all())
    else:
        await session.execute(
            sa.delete(tables.Playlist).where(
                tables.Playlist.id.in_([uri.rsplit("/", 1)[1] for uri in uris]),
                tables.Playlist.owner_did == did,
            ),
            execution_options={"synchronize_session": False},
        )


async def expire_waiting(session: AsyncSession, before_us: int) -> int:
    """Drop the items still waiting for their track in followed playlists whose version
    was applied before ``before_us`` (a ``time_us``): a track that has not come by then is
    not coming from this stream, and waiting rows must not pile up for ever. The
    playlist's next version lists them again. Returns how many were dropped."""
    arrived = (
        sa.select(tables.TrackUri.uri)
        .join(tables.Track, tables.Track.id == tables.TrackUri.track_id)
        .where(tables.TrackUri.uri == tables.FollowListItem.uri)
    )
    old = (
        sa.select(tables.Playlist.id)
        .join(tables.FollowRecord, tables.FollowRecord.uri == tables.Playlist.record_uri)
        .where(tables.FollowRecord.time_us < before_us)
    )
    result = await session.execute(
        sa.delete(tables.FollowListItem)
        .where(tables.FollowListItem.playlist_id.in_(old), ~sa.exists(arrived))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
