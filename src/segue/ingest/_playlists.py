"""``segue import playlists``: playlists with their ordered tracks and record CIDs.

One JSON object per line::

    {"id": "3kq2d7x4m5abc", "owner_did": "did:plc:...", "name": "Late night",
     "tracks": [12, 40, 7], "owner_handle": "alice.example.com"}

The owner must be a user already, or the row must carry ``owner_handle`` (and optionally
``owner_display_name``): a missing user is then created with them. An existing user is
never changed by a playlist import. An existing playlist is replaced (name and items) if
the file says otherwise, but only by the same owner. The rows are checked here; the
catalog (:func:`segue.catalog.replace_playlists`) checks them against its tables and
writes them.

    >>> playlists = read_playlists(Path("playlists.jsonl"))  # doctest: +SKIP
    >>> await import_playlists(database, playlists, source="playlists.jsonl")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from segue.catalog import (
    PLAYLIST_MAX_TRACKS,
    Database,
    PlaylistImport,
    PlaylistsResult,
    Steps,
    check_playlist_id,
    clean_display_name,
    clean_playlist_name,
    no_progress,
    replace_playlists,
)

from ._fields import FieldError, RowShape, checked_rows, parse_did, parse_handle, parse_track_id
from ._problems import Problems
from ._rows import Row, read_table

__all__ = [
    "PlaylistImport",
    "PlaylistsResult",
    "import_playlists",
    "parse_playlists",
    "read_playlists",
]

PLAYLIST_REQUIRED = ("id", "owner_did", "name", "tracks")
PLAYLIST_OPTIONAL = ("owner_handle", "owner_display_name")
_PLAYLIST_ROWS = RowShape(PLAYLIST_REQUIRED, PLAYLIST_OPTIONAL, "checking playlists")


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


def read_playlists(path: Path, *, steps: Steps = no_progress) -> list[PlaylistImport]:
    """Read and check a playlists JSONL file (syntax only: the catalog is checked on import)."""
    problems = Problems(str(path))
    return parse_playlists(read_table(path, "jsonl", problems), problems, steps=steps)


def parse_playlists(
    rows: Iterable[Row], problems: Problems, *, steps: Steps = no_progress
) -> list[PlaylistImport]:
    """Check every row's fields, and that ids are unique and an owner is described one way;
    raise :class:`ImportRejected` with everything found."""
    out: list[PlaylistImport] = []
    seen: dict[str, str] = {}
    owners: dict[str, tuple[tuple[str | None, str | None], str]] = {}
    for row, get in checked_rows(rows, _PLAYLIST_ROWS, problems, steps):
        before = problems.count
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
                # Name the field: "described differently" alone, when only a missing
                # owner_display_name on some lines differed, cost an operator a search.
                fields = [
                    f"{field} {here!r} here, {there!r} on {known[1]}"
                    for field, here, there in (
                        ("owner_handle", handle, known[0][0]),
                        ("owner_display_name", display, known[0][1]),
                    )
                    if here != there
                ]
                problems.add(row.where, f"owner {owner} differs: {'; '.join(fields)}")
        # Every field parsed when no problem was added; the None checks are for the types.
        ok = problems.count == before
        if ok and playlist_id and owner and name and tracks is not None:
            out.append(PlaylistImport(row.where, playlist_id, owner, name, tracks, handle, display))
    problems.raise_if_any()
    return out


async def import_playlists(
    database: Database,
    playlists: list[PlaylistImport],
    *,
    source: str = "playlists",
    steps: Steps = no_progress,
) -> PlaylistsResult:
    """Check the playlists against the catalog, then write them, in one transaction.

    Problems (unknown tracks, a missing owner without ``owner_handle``, a playlist id owned
    by someone else) are all reported together and nothing is written.
    """
    return await replace_playlists(database, playlists, Problems(source), steps=steps)
