"""``segue import playlists``: playlists with their ordered tracks and record CIDs.

One JSON object per line::

    {"id": "3kq2d7x4m5abc", "owner_did": "did:plc:...", "name": "Late night",
     "tracks": [12, 40, 7], "owner_handle": "alice.example.com"}

The owner must be a user already, or the row must carry ``owner_handle`` (and optionally
``owner_display_name``): a missing user is then created with them. An existing user is
never changed by a playlist import. An existing playlist is replaced (name and items) if
the file says otherwise, but only by the same owner.

    >>> playlists = read_playlists(Path("playlists.jsonl"))  # doctest: +SKIP
    >>> await import_playlists(database, playlists, source="playlists.jsonl")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import (
    PLAYLIST_MAX_TRACKS,
    Database,
    Playlist,
    PlaylistItem,
    Track,
    User,
    check_playlist_id,
    clean_display_name,
    clean_playlist_name,
    database_errors,
    playlist_record_cid,
    track_ref,
)

from ._bulk import chunks, refresh_statistics, table_of, upsert_rows
from ._fields import FieldError, parse_did, parse_handle, parse_track_id, row_field
from ._problems import Problems
from ._progress import Steps, no_progress
from ._rows import Row, check_fields, read_table

__all__ = [
    "PlaylistRecord",
    "PlaylistsResult",
    "import_playlists",
    "parse_playlists",
    "read_playlists",
]

PLAYLIST_REQUIRED = ("id", "owner_did", "name", "tracks")
PLAYLIST_OPTIONAL = ("owner_handle", "owner_display_name")


@dataclass(frozen=True, slots=True)
class PlaylistRecord:
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


def _parse_tracks(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise FieldError("expected a list of track ids")
    if len(value) > PLAYLIST_MAX_TRACKS:
        raise FieldError(f"a playlist holds at most {PLAYLIST_MAX_TRACKS} tracks")
    ids = []
    for i, item in enumerate(value):
        if isinstance(item, str):  # a JSON string is not an id, even if it looks like one
            raise FieldError(f"item {i}: expected an integer id, got {item!r}"[:140])
        try:
            ids.append(parse_track_id(item))
        except FieldError as exc:
            raise FieldError(f"item {i}: {exc}") from None
    if len(set(ids)) != len(ids):
        seen: set[int] = set()
        repeated = next(i for i in ids if i in seen or seen.add(i))  # type: ignore[func-returns-value]
        raise FieldError(f"track {repeated} appears more than once (a track is in at most once)")
    return tuple(ids)


def read_playlists(path: Path, *, steps: Steps = no_progress) -> list[PlaylistRecord]:
    """Read and check a playlists JSONL file (syntax only: the catalog is checked on import)."""
    problems = Problems(str(path))
    return parse_playlists(read_table(path, "jsonl", problems), problems, steps=steps)


def parse_playlists(
    rows: Iterable[Row], problems: Problems, *, steps: Steps = no_progress
) -> list[PlaylistRecord]:
    """Check every row's fields, and that ids are unique and an owner is described one way;
    raise :class:`ImportRejected` with everything found."""
    rows = list(rows)
    advance = steps("checking playlists", len(rows))
    out: list[PlaylistRecord] = []
    seen: dict[str, str] = {}
    owners: dict[str, tuple[tuple[str | None, str | None], str]] = {}
    for row in rows:
        before = problems.count
        if not check_fields(row, PLAYLIST_REQUIRED, PLAYLIST_OPTIONAL, problems):
            advance(1)
            continue
        get = partial(row_field, row, problems=problems)
        playlist_id = get("id", check_playlist_id)
        owner = get("owner_did", parse_did)
        name = get("name", clean_playlist_name)
        tracks = get("tracks", _parse_tracks)
        handle = get("owner_handle", lambda v: None if v is None else parse_handle(v))
        display = get("owner_display_name", clean_display_name)
        if playlist_id is not None:
            first = seen.setdefault(playlist_id, row.where)
            if first != row.where:
                problems.add(row.where, f"duplicate playlist id {playlist_id!r} (first on {first})")
        if owner is not None and handle is not None:
            known = owners.setdefault(owner, ((handle, display), row.where))
            if known[0] != (handle, display):
                problems.add(
                    row.where,
                    f"owner {owner} is described differently here and on {known[1]}",
                )
        # Every field parsed when no problem was added; the None checks are for the types.
        ok = problems.count == before
        if ok and playlist_id and owner and name and tracks is not None:
            out.append(PlaylistRecord(row.where, playlist_id, owner, name, tracks, handle, display))
        advance(1)
    problems.raise_if_any()
    return out


async def _rows_in(
    session: AsyncSession, columns: list[Any], key: Any, values: list[Any]
) -> list[Any]:
    found: list[Any] = []
    for chunk in chunks(values):
        found.extend((await session.execute(sa.select(*columns).where(key.in_(chunk)))).all())
    return found


async def import_playlists(
    database: Database,
    playlists: list[PlaylistRecord],
    *,
    source: str = "playlists",
    steps: Steps = no_progress,
) -> PlaylistsResult:
    """Check the playlists against the catalog, then write them, in one transaction.

    Problems (unknown tracks, a missing owner without ``owner_handle``, a playlist id owned
    by someone else) are all reported together and nothing is written.

    The existing playlists are locked before their items are read, as the catalog's own
    edits lock them: an edit from the API waits for the import, or the import for it, so
    each record CID written is that of the items stored with it.
    """
    problems = Problems(source)
    owner_dids = sorted({p.owner_did for p in playlists})
    track_ids = sorted({t for p in playlists for t in p.tracks})
    playlist_ids = [p.id for p in playlists]
    async with database_errors(), database.sessionmaker.begin() as session:
        existing = {r[0]: r for r in await _lock_playlists(session, playlist_ids)}
        users = {r[0] for r in await _rows_in(session, [User.did], User.did, owner_dids)}
        tracks = {
            r[0]: r
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
        problems.raise_if_any()  # rolls the (so far read-only) transaction back

        refs: dict[int, Any] = {}

        def ref(track_id: int) -> Any:
            if track_id not in refs:
                _, artist, uri, cid = tracks[track_id]
                refs[track_id] = track_ref(track_id, artist, uri=uri, cid=cid)
            return refs[track_id]

        advance = steps("writing playlists", len(playlists))
        old_items = await _current_items(session, [p.id for p in playlists if p.id in existing])
        rows = [
            {
                "id": p.id,
                "owner_did": p.owner_did,
                "name": p.name,
                "record_cid": playlist_record_cid(p.name, [ref(t) for t in p.tracks]),
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
    columns = [Playlist.id, Playlist.owner_did, Playlist.name, Playlist.record_cid]
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
