"""``segue import tracks``: tracks and their artists, validated, then upserted in one go.

>>> batch = read_tracks(Path("tracks.jsonl"))  # doctest: +SKIP
>>> result = await import_tracks(database, batch)  # doctest: +SKIP
>>> result.tracks, result.new_tracks  # doctest: +SKIP
(100000, 100000)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import (
    Artist,
    Database,
    Track,
    bump_seeds_generation,
    clean_display_name,
    database_errors,
)
from segue.limits import TITLE_MAX_LENGTH

from ._bulk import chunks, refresh_statistics, row_count, table_of, upsert_rows
from ._fields import (
    parse_at_uri,
    parse_bool,
    parse_cid,
    parse_did,
    parse_handle,
    parse_image_url,
    parse_text,
    parse_track_id,
    row_field,
)
from ._problems import Problems
from ._progress import Steps, no_progress
from ._rows import Row, check_fields, read_table

__all__ = [
    "TRACK_FIELDS",
    "TrackBatch",
    "TracksResult",
    "import_tracks",
    "parse_tracks",
    "read_tracks",
]

TRACK_REQUIRED = ("id", "title", "artist_did", "artist_handle")
TRACK_OPTIONAL = ("artist_display_name", "image_url", "uri", "cid", "visible", "deleted")
TRACK_FIELDS = TRACK_REQUIRED + TRACK_OPTIONAL
_TRACK_COLUMNS = ("title", "artist_did", "image_url", "uri", "cid")
# Written only for the rows that give them; absent, a track keeps what it has.
_STATE_COLUMNS = ("visible", "deleted_at")
_ARTIST_COLUMNS = ("handle", "display_name")


@dataclass(frozen=True, slots=True)
class TrackBatch:
    """Validated rows, ready to write: one dict per track and per distinct artist.

    A track's dict has ``visible`` and ``deleted_at`` only if its row gave ``visible`` and
    ``deleted`` (``deleted_at`` is the import's time for ``true``, ``None`` for ``false``).
    """

    tracks: list[dict[str, Any]] = field(default_factory=list)
    artists: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TracksResult:
    tracks: int
    new_tracks: int
    artists: int
    new_artists: int


def read_tracks(path: Path, fmt: str | None = None, *, steps: Steps = no_progress) -> TrackBatch:
    """Read and validate a tracks file (JSONL or CSV); :class:`ImportRejected` lists every
    problem (up to 20 shown) with its line number."""
    problems = Problems(str(path))
    rows = read_table(path, fmt, problems, required=TRACK_REQUIRED, optional=TRACK_OPTIONAL)
    return parse_tracks(rows, problems, steps=steps)


def parse_tracks(
    rows: Iterable[Row], problems: Problems, *, steps: Steps = no_progress
) -> TrackBatch:
    """Check every row; raise :class:`ImportRejected` if any problem was found (including
    ones already in ``problems``), else return the batch.

    Besides each field's syntax: an id may appear once, and an artist DID must come with
    the same handle and display name wherever it appears.
    """
    rows = list(rows)
    advance = steps("checking tracks", len(rows))
    now = datetime.now(UTC)
    seen_ids: dict[int, str] = {}
    artists: dict[str, tuple[dict[str, Any], str]] = {}
    tracks: list[dict[str, Any]] = []
    for row in rows:
        before = problems.count
        if not check_fields(row, TRACK_REQUIRED, TRACK_OPTIONAL, problems):
            advance(1)
            continue
        get = partial(row_field, row, problems=problems)
        track_id = get("id", parse_track_id)
        title = get("title", partial(parse_text, max_length=TITLE_MAX_LENGTH))
        artist_did = get("artist_did", parse_did)
        handle = get("artist_handle", parse_handle)
        display_name = get("artist_display_name", clean_display_name)
        image_url = get("image_url", parse_image_url)
        uri = get("uri", parse_at_uri)
        cid = get("cid", parse_cid)
        visible = get("visible", parse_bool)
        deleted = get("deleted", parse_bool)
        if (uri is None) != (cid is None) and problems.count == before:
            problems.add(row.where, "uri and cid go together: give both or neither")
        if track_id is not None:
            first = seen_ids.setdefault(track_id, row.where)
            if first != row.where:
                problems.add(row.where, f"duplicate id {track_id} (first on {first})")
        if artist_did is not None and handle is not None and problems.count == before:
            artist = {"did": artist_did, "handle": handle, "display_name": display_name}
            known = artists.setdefault(artist_did, (artist, row.where))
            if known[0] != artist:
                problems.add(
                    row.where,
                    f"artist {artist_did} is {_describe(artist)} here "
                    f"but {_describe(known[0])} on {known[1]}",
                )
        if problems.count == before:
            track: dict[str, Any] = {
                "id": track_id,
                "title": title,
                "artist_did": artist_did,
                "image_url": image_url,
                "uri": uri,
                "cid": cid,
            }
            if visible is not None:
                track["visible"] = visible
            if deleted is not None:
                track["deleted_at"] = now if deleted else None
            tracks.append(track)
        advance(1)
    problems.raise_if_any()
    return TrackBatch(tracks=tracks, artists=[artist for artist, _ in artists.values()])


def _by_state_columns(
    tracks: list[dict[str, Any]],
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """Tracks grouped by which of ``visible``/``deleted_at`` they set: one executemany
    needs the same columns in every row, and an absent one must not be overwritten."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for track in tracks:
        given = tuple(c for c in _STATE_COLUMNS if c in track)
        groups.setdefault(given, []).append(track)
    return groups


def _states(track: dict[str, Any]) -> bool:
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


def _shown_after(track: dict[str, Any], before: tuple[bool, bool]) -> tuple[bool, bool]:
    visible = bool(track.get("visible", before[0]))
    deleted = track["deleted_at"] is not None if "deleted_at" in track else before[1]
    return visible, deleted


def _describe(artist: dict[str, Any]) -> str:
    return f"{artist['handle']!r} / {artist['display_name']!r}"


async def import_tracks(
    database: Database, batch: TrackBatch, *, steps: Steps = no_progress
) -> TracksResult:
    """Upsert the batch's artists and tracks in one transaction (all or nothing).

    Existing tracks get the file's title, artist, image and record reference, and the
    ``visible`` and ``deleted`` the file gives; without them a track keeps its own. A track
    already deleted keeps its deletion time. Unchanged rows are not written at all.
    """
    artists_table, tracks_table = table_of(Artist), table_of(Track)
    # One transaction: begin() commits at the end, or rolls everything back on any error.
    async with database_errors(), database.sessionmaker.begin() as session:
        artists_before = await row_count(session, artists_table)
        tracks_before = await row_count(session, tracks_table)
        await upsert_rows(
            session,
            artists_table,
            batch.artists,
            key=("did",),
            update=_ARTIST_COLUMNS,
            advance=steps("writing artists", len(batch.artists)),
        )
        shown_before = await _shown(session, [t["id"] for t in batch.tracks if _states(t)])
        advance = steps("writing tracks", len(batch.tracks))
        for given, rows in _by_state_columns(batch.tracks).items():
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
            for t in batch.tracks
            if t["id"] in shown_before
            and _shown_after(t, shown_before[t["id"]]) != shown_before[t["id"]]
        ]
        await bump_seeds_generation(session, changed)
        new_artists = await row_count(session, artists_table) - artists_before
        new_tracks = await row_count(session, tracks_table) - tracks_before
        await refresh_statistics(session, artists_table, tracks_table)
    return TracksResult(
        tracks=len(batch.tracks),
        new_tracks=new_tracks,
        artists=len(batch.artists),
        new_artists=new_artists,
    )
