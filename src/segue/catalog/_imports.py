"""Bulk writes for the imports: artists and tracks upserted, playlists replaced.

The import files are parsed and validated in :mod:`segue.ingest`; what reaches the catalog
is clean rows, written here in one transaction each (all or nothing):

    >>> result = await upsert_tracks(database, artists, tracks)  # doctest: +SKIP
    >>> result.new_tracks  # doctest: +SKIP
    100000
    >>> await replace_playlists(database, playlists, Problems("playlists.jsonl"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from segue.atproto import StrongRef, items_record_cid

from ._bulk import chunks, refresh_statistics, row_count, table_of, upsert_rows
from ._db import Database, database_errors
from ._embeddings import note_audio_sources
from ._generations import bump_seeds_generation
from ._models import Artist, Playlist, PlaylistItem, Track, User
from ._playlists import followed_playlist_problem
from ._progress import Steps, no_progress

__all__ = [
    "PlaylistImport",
    "PlaylistsResult",
    "ProblemSink",
    "TracksResult",
    "replace_playlists",
    "upsert_tracks",
]

_TRACK_COLUMNS = ("title", "artist_did", "image_url", "audio_url", "uri", "cid")
# Written only for the rows that give them; absent, a track keeps what it has.
_STATE_COLUMNS = ("visible", "deleted_at")
_ARTIST_COLUMNS = ("handle", "display_name")


@dataclass(frozen=True, slots=True)
class TracksResult:
    tracks: int
    new_tracks: int
    artists: int
    new_artists: int


@dataclass(frozen=True, slots=True)
class PlaylistImport:
    """One playlist of an import file, checked for syntax; ``where`` places it in the file."""

    where: str
    id: str
    owner_did: str
    name: str
    tracks: tuple[int, ...]
    owner_handle: str | None = None
    owner_display_name: str | None = None


@dataclass(frozen=True, slots=True)
class PlaylistsResult:
    playlists: int
    new_playlists: int
    rewritten: int  # existing playlists whose name or items changed
    new_users: int


class ProblemSink(Protocol):
    """Where :func:`replace_playlists` reports what the catalog refuses (``ingest.Problems``)."""

    def add(self, where: str, message: str) -> None: ...

    def raise_if_any(self) -> None: ...


# -- artists and tracks ---------------------------------------------------------------------


async def upsert_tracks(
    database: Database,
    artists: Sequence[Mapping[str, Any]],
    tracks: Sequence[Mapping[str, Any]],
    *,
    steps: Steps = no_progress,
    audio_origins: Collection[str] = (),
) -> TracksResult:
    """Upsert artists (``did``, ``handle``, ``display_name``) and tracks in one transaction.

    A track is ``id``, ``title``, ``artist_did``, ``image_url``, ``audio_url`` (absent:
    none), ``uri``, ``cid``, and optionally ``visible`` and ``deleted_at``. Existing tracks
    get the given title, artist, image, preview and record reference, and the ``visible``
    and ``deleted_at`` given; without them a track keeps its own. A track already deleted
    keeps its deletion time. Unchanged rows are not written at all. A track hidden, shown,
    deleted or restored moves the seeds generation of the playlists holding it. A new or
    changed audio source (``audio_origins``: ``SEGUE_AUDIO_ORIGINS``) makes a track pending
    for ``segue embed --catalog``.
    """
    artists_table, tracks_table = table_of(Artist), table_of(Track)
    # A row without a preview has none (as a row without an image), whoever built it.
    tracks = [{"audio_url": None, **track} for track in tracks]
    # One transaction: begin() commits at the end, or rolls everything back on any error.
    async with database_errors(), database.sessionmaker.begin() as session:
        artists_before = await row_count(session, artists_table)
        tracks_before = await row_count(session, tracks_table)
        await upsert_rows(
            session,
            artists_table,
            artists,
            key=("did",),
            update=_ARTIST_COLUMNS,
            advance=steps("writing artists", len(artists)),
        )
        shown_before = await _shown(session, [t["id"] for t in tracks if _states(t)])
        advance = steps("writing tracks", len(tracks))
        for given, rows in _by_state_columns(tracks).items():
            await upsert_rows(
                session,
                tracks_table,
                rows,
                key=("id",),
                update=_TRACK_COLUMNS + tuple(c for c in given if c != "deleted_at"),
                flags=tuple(c for c in given if c == "deleted_at"),
                advance=advance,
            )
        # A track hidden, shown, deleted or restored changes the seeds of every playlist
        # holding it, though not their records: their cache keys must change too.
        changed = [
            t["id"]
            for t in tracks
            if t["id"] in shown_before
            and _shown_after(t, shown_before[t["id"]]) != shown_before[t["id"]]
        ]
        await bump_seeds_generation(session, changed)
        await note_audio_sources(session, [t["id"] for t in tracks], audio_origins=audio_origins)
        new_artists = await row_count(session, artists_table) - artists_before
        new_tracks = await row_count(session, tracks_table) - tracks_before
        await refresh_statistics(session, artists_table, tracks_table)
    return TracksResult(
        tracks=len(tracks), new_tracks=new_tracks, artists=len(artists), new_artists=new_artists
    )


def _by_state_columns(
    tracks: Sequence[Mapping[str, Any]],
) -> dict[tuple[str, ...], list[Mapping[str, Any]]]:
    """Tracks grouped by which of ``visible``/``deleted_at`` they set: one executemany
    needs the same columns in every row, and an absent one must not be overwritten."""
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for track in tracks:
        given = tuple(c for c in _STATE_COLUMNS if c in track)
        groups.setdefault(given, []).append(track)
    return groups


def _states(track: Mapping[str, Any]) -> bool:
    return any(c in track for c in _STATE_COLUMNS)


async def _shown(session: AsyncSession, ids: list[int]) -> dict[int, tuple[bool, bool]]:
    """(visible, deleted) of the existing tracks among ``ids``: primary-key look-ups."""
    shown: dict[int, tuple[bool, bool]] = {}
    for chunk in chunks(ids):
        rows = await session.execute(
            sa.select(Track.id, Track.visible, Track.deleted_at).where(Track.id.in_(chunk))
        )
        shown.update({row[0]: (bool(row[1]), row[2] is not None) for row in rows})
    return shown


def _shown_after(track: Mapping[str, Any], before: tuple[bool, bool]) -> tuple[bool, bool]:
    visible = bool(track.get("visible", before[0]))
    deleted = track["deleted_at"] is not None if "deleted_at" in track else before[1]
    return visible, deleted


# -- playlists ------------------------------------------------------------------------------


async def replace_playlists(
    database: Database,
    playlists: Sequence[PlaylistImport],
    problems: ProblemSink,
    *,
    steps: Steps = no_progress,
) -> PlaylistsResult:
    """Check the playlists against the catalog, then write them, in one transaction.

    Problems (unknown tracks, a missing owner without ``owner_handle``, a playlist id owned
    by someone else) all go to ``problems``, whose ``raise_if_any`` then stops the write:
    nothing is written. A missing owner is created with ``owner_handle``; an existing user
    is never changed. An existing playlist gets the new name and items.

    The existing playlists are locked before their items are read, as the catalog's own
    edits lock them: an edit from the API waits for the import, or the import for it, so
    each record CID written is that of the items stored with it.
    """
    owner_dids = sorted({p.owner_did for p in playlists})
    track_ids = sorted({t for p in playlists for t in p.tracks})
    playlist_ids = [p.id for p in playlists]
    async with database_errors(), database.sessionmaker.begin() as session:
        existing = {r[0]: r for r in await _lock_playlists(session, playlist_ids)}
        users = {r[0] for r in await _rows_in(session, [User.did], User.did, owner_dids)}
        tracks = {
            r[0]: tuple(r)
            for r in await _rows_in(
                session, [Track.id, Track.artist_did, Track.uri, Track.cid], Track.id, track_ids
            )
        }
        new_users: dict[str, dict[str, Any]] = {}
        for p in playlists:
            if p.owner_did not in users and p.owner_did not in new_users:
                if p.owner_handle is None:
                    problems.add(
                        p.where,
                        f"owner {p.owner_did} is not a user: create it first "
                        "(segue token create), or give owner_handle to create it here",
                    )
                else:
                    new_users[p.owner_did] = {
                        "did": p.owner_did,
                        "handle": p.owner_handle,
                        "display_name": p.owner_display_name,
                    }
            unknown = [t for t in p.tracks if t not in tracks]
            if unknown:
                shown = ", ".join(map(str, unknown[:5])) + (" ..." if len(unknown) > 5 else "")
                problems.add(p.where, f"tracks: {len(unknown)} unknown track id(s): {shown}")
            old = existing.get(p.id)
            if old is not None and old.owner_did != p.owner_did:
                problems.add(
                    p.where,
                    f"playlist {p.id!r} exists and belongs to {old.owner_did}, not {p.owner_did}",
                )
            elif old is not None and old.record_uri is not None:
                # Its items and CID are the network record's (docs/atproto.md).
                problems.add(p.where, followed_playlist_problem(p.id, old.record_uri))
        problems.raise_if_any()  # rolls the (so far read-only) transaction back

        advance = steps("writing playlists", len(playlists))
        old_items = await _current_items(session, [p.id for p in playlists if p.id in existing])
        refs: dict[int, StrongRef] = {}
        rows = [
            {
                "id": p.id,
                "owner_did": p.owner_did,
                "name": p.name,
                "record_cid": items_record_cid(p.name, (tracks[t] for t in p.tracks), refs=refs),
            }
            for p in playlists
        ]
        changed_items = [p for p in playlists if old_items.get(p.id, ()) != p.tracks]
        rewritten = sum(
            1
            for p, row in zip(playlists, rows, strict=True)
            if p.id in existing
            and (existing[p.id].name, existing[p.id].record_cid) != (p.name, row["record_cid"])
        )
        user_table, playlist_table = table_of(User), table_of(Playlist)
        item_table = table_of(PlaylistItem)
        await upsert_rows(
            session,
            user_table,
            list(new_users.values()),
            key=("did",),
            update=(),  # created if missing, never changed (their sign-in owns the profile)
            advance=lambda _n: None,
        )
        await upsert_rows(
            session,
            playlist_table,
            rows,
            key=("id",),
            update=("name", "record_cid"),
            advance=lambda _n: None,
        )
        for batch in chunks(changed_items):
            ids = [p.id for p in batch]
            await session.execute(sa.delete(item_table).where(item_table.c.playlist_id.in_(ids)))
            items = [
                {"playlist_id": p.id, "track_id": t, "position": pos}
                for p in batch
                for pos, t in enumerate(p.tracks)
            ]
            if items:
                await session.execute(sa.insert(item_table), items)
            advance(len(batch))
        advance(len(playlists) - len(changed_items))
        await refresh_statistics(session, user_table, playlist_table, item_table)
    return PlaylistsResult(
        playlists=len(playlists),
        new_playlists=sum(1 for p in playlists if p.id not in existing),
        rewritten=rewritten,
        new_users=len(new_users),
    )


async def _rows_in(
    session: AsyncSession, columns: list[Any], key: Any, values: list[Any]
) -> list[Any]:
    found: list[Any] = []
    for chunk in chunks(values):
        found.extend((await session.execute(sa.select(*columns).where(key.in_(chunk)))).all())
    return found


async def _lock_playlists(session: AsyncSession, playlist_ids: list[str]) -> list[Any]:
    """The existing playlists among ``playlist_ids``, locked until the transaction ends.

    PostgreSQL: ``SELECT ... FOR UPDATE``, in id order so that two imports cannot deadlock.
    SQLite has no row locks: an empty write takes its one write lock now, before anything
    is read (a read-only start would read outside any transaction, and a write committed
    in between would go unseen).
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            sa.update(Playlist).where(sa.false()).values(name=Playlist.name),
            execution_options={"synchronize_session": False},
        )
    columns = [
        Playlist.id,
        Playlist.owner_did,
        Playlist.name,
        Playlist.record_cid,
        Playlist.record_uri,
    ]
    found: list[Any] = []
    for chunk in chunks(sorted(set(playlist_ids))):
        stmt = (
            sa.select(*columns)
            .where(Playlist.id.in_(chunk))
            .order_by(Playlist.id)
            .with_for_update()
        )
        found.extend((await session.execute(stmt)).all())
    return found


async def _current_items(
    session: AsyncSession, playlist_ids: list[str]
) -> dict[str, tuple[int, ...]]:
    items: dict[str, list[int]] = {}
    for chunk in chunks(playlist_ids):
        result = await session.execute(
            sa.select(PlaylistItem.playlist_id, PlaylistItem.track_id)
            .where(PlaylistItem.playlist_id.in_(chunk))
            .order_by(PlaylistItem.playlist_id, PlaylistItem.position)
        )
        for playlist_id, track_id in result.all():
            items.setdefault(playlist_id, []).append(track_id)
    return {k: tuple(v) for k, v in items.items()}
