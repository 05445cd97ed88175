"""A backfill page applied in a few set-based statements instead of a dozen per record.

The backfill reads a repository's records a ``listRecords`` page at a time (up to 100
records of one account and collection, all at the repo's one ``rev``). Applied one by one
(:func:`~._apply_records.apply_track`) each costs about twelve round trips; here a page of
track records costs about fifteen in all, whatever its size, with the same rules and the same
end state:

- a record whose stored version (or tombstone) has a ``rev`` as new or newer is left alone
  (``duplicate`` / ``stale``): the stream's newer versions are never overwritten;
- the tracks are upserted together, the artist once (the page's last record names it, as
  the last record applied one by one would), the versions together;
- the audio-source rule (:func:`segue.catalog.note_audio_sources`), the playlists whose
  items waited for these tracks (rebuilt with :func:`segue.catalog.replace_items`, their
  record CID kept, so their seeds generation moves) and the seeds generation of playlists
  holding a track shown again or undeleted (:func:`segue.catalog.bump_seeds_generation`)
  run once for the page.

A playlist's generation may move once for the page where the one-by-one path moves it once
per arriving track: either way it moves whenever its items change, which is what its cache
key needs. List records are few and each rebuilds its own items: they go through the
one-by-one path, in the same transaction. :func:`delete_missing` tombstones, in one go,
what the repo no longer holds.

    >>> results = await apply_tracks(session, records, audio_origins=())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import bump_seeds_generation, note_audio_sources, tables, track_ids_for

from ._apply_accounts import account_states
from ._apply_records import delete_records, rebuild_items
from ._changes import FollowResult, TrackRecord

__all__ = ["apply_tracks", "delete_missing"]

# Columns a track upsert sets (besides the id and updated_at).
_TRACK_COLUMNS = (
    "title",
    "artist_did",
    "image_url",
    "audio_url",
    "audio_blob_did",
    "audio_blob_cid",
    "suggestible",
    "uri",
    "cid",
    "visible",
    "deleted_at",
)
_VERSION_COLUMNS = ("did", "kind", "rev", "cid", "time_us", "deleted_at")


async def _stored_revs(session: AsyncSession, uris: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in tables.chunks(sorted(set(uris))):
        rows = await session.execute(
            sa.select(tables.FollowRecord.uri, tables.FollowRecord.rev).where(
                tables.FollowRecord.uri.in_(chunk)
            )
        )
        found.update(dict(rows.all()))
    return found


async def apply_tracks(
    session: AsyncSession,
    records: Sequence[TrackRecord],
    *,
    audio_origins: Collection[str] = (),
) -> list[FollowResult]:
    """Apply track records of one account, in the caller's (locked) transaction; what
    became of each, in order. The rules are :func:`~._apply_records.apply_track`'s."""
    stored = await _stored_revs(session, [r.uri for r in records])
    results: list[FollowResult] = []
    fresh: dict[str, TrackRecord] = {}
    for record in records:
        applied = stored.get(record.uri)
        if record.uri in fresh:
            # Listed twice in one page (one rev): the first is applied, as one by one.
            results.append(FollowResult.DUPLICATE)
        elif applied is not None and record.rev <= applied:
            results.append(FollowResult.DUPLICATE if record.rev == applied else FollowResult.STALE)
        else:
            fresh[record.uri] = record
            results.append(FollowResult.APPLIED)
    if fresh:
        await _write_tracks(session, list(fresh.values()), audio_origins=audio_origins)
    return results


async def _write_tracks(
    session: AsyncSession, records: Sequence[TrackRecord], *, audio_origins: Collection[str]
) -> None:
    """Every record of every account at once: the statements do not grow with the
    accounts (pages of several repositories may be written together)."""
    ids = await track_ids_for(session, [r.uri for r in records])
    insert = tables.insert_for(session)
    states = await account_states(session, [r.did for r in records])
    # Each artist as the last of its records names it (as applied one by one).
    last = {r.did: r.artist_name for r in records}
    artists = tables.table_of(tables.Artist)
    artist = insert(artists)
    await session.execute(
        artist.on_conflict_do_update(
            index_elements=[artists.c.did],
            set_={"display_name": artist.excluded.display_name, "updated_at": tables.utc_now()},
            where=artists.c.display_name.is_distinct_from(artist.excluded.display_name),
        ),
        [
            {"did": did, "handle": states[did][1], "display_name": name}
            for did, name in last.items()
        ],
    )
    track_ids = [ids[r.uri] for r in records]
    before = await _visibility(session, track_ids)
    rows = [
        {
            "id": ids[r.uri],
            "title": r.title,
            "artist_did": r.did,
            "image_url": r.image_url,
            "audio_url": r.audio_url,
            # The blob is in the record's own repo: its DID is the record's.
            "audio_blob_did": r.did if r.audio_blob_cid else None,
            "audio_blob_cid": r.audio_blob_cid,
            "suggestible": r.suggestible,
            "uri": r.uri,
            "cid": r.cid,
            "visible": not states[r.did][0],
            "deleted_at": None,
        }
        for r in records
    ]
    # Core, many rows to one cached statement: no ORM bookkeeping per row.
    tracks = tables.table_of(tables.Track)
    stmt = insert(tracks)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[tracks.c.id],
            set_={**{c: stmt.excluded[c] for c in _TRACK_COLUMNS}, "updated_at": tables.utc_now()},
        ),
        rows,
    )
    # A new or changed audio source makes the track pending for `segue embed --catalog`.
    await note_audio_sources(session, track_ids, audio_origins=audio_origins)
    await _adopt_waiting(session, [r.uri for r in records])
    # Shown again, or restored: the playlists holding them have other seeds now.
    changed = [
        row["id"]
        for row in rows
        if row["id"] in before and (before[row["id"]][0] != row["visible"] or before[row["id"]][1])
    ]
    if changed:
        await bump_seeds_generation(session, changed)
    await _save_versions(
        session,
        [
            {
                "uri": r.uri,
                "did": r.did,
                "kind": "track",
                "rev": r.rev,
                "cid": r.cid,
                "time_us": r.time_us,
                "deleted_at": None,
            }
            for r in records
        ],
    )


async def _visibility(
    session: AsyncSession, track_ids: Sequence[int]
) -> dict[int, tuple[bool, bool]]:
    """(visible, deleted) of the tracks that exist already."""
    found: dict[int, tuple[bool, bool]] = {}
    for chunk in tables.chunks(sorted(set(track_ids))):
        rows = await session.execute(
            sa.select(tables.Track.id, tables.Track.visible, tables.Track.deleted_at).where(
                tables.Track.id.in_(chunk)
            )
        )
        found.update({tid: (bool(v), d is not None) for tid, v, d in rows})
    return found


async def _adopt_waiting(session: AsyncSession, uris: Sequence[str]) -> None:
    """The playlists whose items were waiting for these tracks now hold them (their
    record, and CID, stay as they were: their seeds generation moves)."""
    waiting: set[str] = set()
    for chunk in tables.chunks(sorted(set(uris))):
        rows = await session.scalars(
            sa.select(tables.FollowListItem.playlist_id)
            .join(tables.TrackUri, tables.TrackUri.uri == tables.FollowListItem.uri)
            .where(
                tables.FollowListItem.uri.in_(chunk),
                ~sa.exists().where(
                    tables.PlaylistItem.playlist_id == tables.FollowListItem.playlist_id,
                    tables.PlaylistItem.track_id == tables.TrackUri.track_id,
                ),
            )
            .distinct()
        )
        waiting.update(rows.all())
    for playlist_id in sorted(waiting):
        await rebuild_items(session, playlist_id, same_record=True)


async def _save_versions(session: AsyncSession, rows: Sequence[dict[str, object]]) -> None:
    if not rows:
        return
    versions = tables.table_of(tables.FollowRecord)
    stmt = tables.insert_for(session)(versions)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[versions.c.uri],
            set_={c: stmt.excluded[c] for c in _VERSION_COLUMNS},
        ),
        list(rows),
    )


async def delete_missing(
    session: AsyncSession,
    did: str,
    collection: str,
    kind: Literal["track", "playlist"],
    rev: str,
    time_us: int,
) -> int:
    """Every record of ``did`` in ``collection`` still stored at a ``rev`` older than the
    backfill's was not listed: the repo no longer holds it. Deleted (a track taken down,
    a playlist removed) with a tombstone at ``rev``, in the caller's (locked) transaction;
    how many."""
    prefix = f"at://{did}/{collection}/"
    gone = (
        await session.scalars(
            sa.select(tables.FollowRecord.uri).where(
                tables.FollowRecord.did == did,
                tables.FollowRecord.kind == kind,
                tables.FollowRecord.deleted_at.is_(None),
                tables.FollowRecord.rev < rev,
                tables.FollowRecord.uri.startswith(prefix, autoescape=True),
            )
        )
    ).all()
    for chunk in tables.chunks(sorted(gone)):
        await delete_records(session, did, kind, chunk)
    # The tombstones: a replayed create older than this delete is now stale.
    now = tables.utc_now()
    await _save_versions(
        session,
        [
            {
                "uri": uri,
                "did": did,
                "kind": kind,
                "rev": rev,
                "cid": None,
                "time_us": time_us,
                "deleted_at": now,
            }
            for uri in gone
        ],
    )
    return len(gone)
