"""``segue import tracks``: tracks and their artists, validated here, then upserted in one
go by the catalog (:func:`segue.catalog.upsert_tracks`).

>>> batch = read_tracks(Path("tracks.jsonl"))  # doctest: +SKIP
>>> result = await import_tracks(database, batch)  # doctest: +SKIP
>>> result.tracks, result.new_tracks  # doctest: +SKIP
(100000, 100000)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from segue.catalog import (
    Database,
    Steps,
    TracksResult,
    clean_display_name,
    no_progress,
    upsert_tracks,
)
from segue.limits import TITLE_MAX_LENGTH

from ._fields import (
    RowShape,
    checked_rows,
    parse_at_uri,
    parse_audio_url,
    parse_bool,
    parse_cid,
    parse_did,
    parse_handle,
    parse_image_url,
    parse_text,
    parse_track_id,
)
from ._problems import Problems
from ._rows import Row, read_table

__all__ = [
    "TRACK_FIELDS",
    "TrackBatch",
    "TracksResult",
    "import_tracks",
    "parse_tracks",
    "read_tracks",
]

TRACK_REQUIRED = ("id", "title", "artist_did", "artist_handle")
TRACK_OPTIONAL = (
    "artist_display_name",
    "image_url",
    "audio_url",
    "uri",
    "cid",
    "visible",
    "deleted",
)
_TRACK_ROWS = RowShape(TRACK_REQUIRED, TRACK_OPTIONAL, "checking tracks")
TRACK_FIELDS = TRACK_REQUIRED + TRACK_OPTIONAL


@dataclass(frozen=True, slots=True)
class TrackBatch:
    """Validated rows, ready to write: one dict per track and per distinct artist.

    A track's dict has ``visible`` and ``deleted_at`` only if its row gave ``visible`` and
    ``deleted`` (``deleted_at`` is the import's time for ``true``, ``None`` for ``false``).
    """

    tracks: list[dict[str, Any]] = field(default_factory=list)
    artists: list[dict[str, Any]] = field(default_factory=list)


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
    now = datetime.now(UTC)
    seen_ids: dict[int, str] = {}
    artists: dict[str, tuple[dict[str, Any], str]] = {}
    tracks: list[dict[str, Any]] = []
    for row, get in checked_rows(rows, _TRACK_ROWS, problems, steps):
        before = problems.count
        track_id = get("id", parse_track_id)
        title = get("title", partial(parse_text, max_length=TITLE_MAX_LENGTH))
        artist_did = get("artist_did", parse_did)
        handle = get("artist_handle", parse_handle)
        display_name = get("artist_display_name", clean_display_name)
        image_url = get("image_url", parse_image_url)
        audio_url = get("audio_url", parse_audio_url)
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
                "audio_url": audio_url,
                "uri": uri,
                "cid": cid,
            }
            if visible is not None:
                track["visible"] = visible
            if deleted is not None:
                track["deleted_at"] = now if deleted else None
            tracks.append(track)
    problems.raise_if_any()
    return TrackBatch(tracks=tracks, artists=[artist for artist, _ in artists.values()])


def _describe(artist: dict[str, Any]) -> str:
    return f"{artist['handle']!r} / {artist['display_name']!r}"


async def import_tracks(
    database: Database,
    batch: TrackBatch,
    *,
    steps: Steps = no_progress,
    audio_origins: Collection[str] = (),
) -> TracksResult:
    """Upsert the batch's artists and tracks in one transaction (all or nothing).

    Existing tracks get the file's title, artist, image and record reference, and the
    ``visible`` and ``deleted`` the file gives; without them a track keeps its own. A track
    already deleted keeps its deletion time. Unchanged rows are not written at all. A track
    whose ``audio_url`` is on one of ``audio_origins`` (``SEGUE_AUDIO_ORIGINS``) and new or
    changed becomes pending for ``segue embed --catalog``.
    """
    return await upsert_tracks(
        database, batch.artists, batch.tracks, steps=steps, audio_origins=audio_origins
    )
