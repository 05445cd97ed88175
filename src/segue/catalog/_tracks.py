"""Tracks as clients see them (search for "add tracks", hydration of recommendations), and
every track id for ``segue check``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from segue.errors import InvalidInput
from segue.limits import TRACK_ID_MAX

from ._db import Database, database_errors
from ._driver import DriverStatement, fetch_rows
from ._models import Artist, Track
from ._views import Because, SuggestionView, TrackView

__all__ = [
    "HYDRATE_MAX_IDS",
    "SEARCH_MAX_LIMIT",
    "TITLES_MAX_IDS",
    "TRACK_ID_MAX",
    "all_track_ids",
    "escape_like",
    "hydrate",
    "hydrate_suggestions",
    "search_tracks",
    "suggestible_track",
    "track_available",
    "track_titles",
    "track_view",
    "track_view_columns",
]

SEARCH_MAX_LIMIT = 100
SEARCH_MAX_QUERY = 200
# Far above what one recommendation needs; keeps one query's parameter list bounded.
HYDRATE_MAX_IDS = 1000
TITLES_MAX_IDS = 2 * HYDRATE_MAX_IDS
_LIKE_ESCAPE = "\\"
# Rows per fetch when streaming every track id: bounded memory on the driver's side.
_ID_BATCH = 10_000


def track_view_columns() -> tuple[Any, ...]:
    """The columns a :class:`TrackView` is built from (tracks joined with artists)."""
    return (
        Track.id,
        Track.title,
        Track.artist_did,
        Artist.handle,
        Artist.display_name,
        Track.image_url,
        Track.audio_url,
    )


def _track_fields(row: Any) -> dict[str, Any]:
    # The one place that knows the order of track_view_columns().
    return {
        "id": row[0],
        "title": row[1],
        "artist_did": row[2],
        "artist_handle": row[3],
        "artist_display_name": row[4],
        "image_url": row[5],
        "audio_url": row[6],
    }


def track_view(row: Any) -> TrackView:
    """A :class:`TrackView` from a row that starts with :func:`track_view_columns`."""
    return TrackView(**_track_fields(row))


def track_available() -> sa.ColumnElement[bool]:
    """Tracks that may be shown: visible and not deleted."""
    return sa.and_(Track.visible.is_(True), Track.deleted_at.is_(None))


def suggestible_track() -> sa.ColumnElement[bool]:
    """The one condition a track meets to be suggested (by the recommender, from other
    playlists): shown (:func:`track_available`) and suggestible (no hiding self-label, not
    supporter-gated: segue follow decides it, docs/atproto.md).

        >>> stmt = sa.select(Track.id).where(suggestible_track())
    """
    return sa.and_(track_available(), Track.suggestible.is_(True))


def escape_like(text: str) -> str:
    r"""``text`` with LIKE's wildcards escaped, so it matches literally (escape char ``\``).

    >>> escape_like("100%_a\\b")
    '100\\%\\_a\\\\b'
    """
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )


async def search_tracks(session: AsyncSession, query: str, *, limit: int = 20) -> list[TrackView]:
    """Available tracks whose title, artist handle or artist name contains ``query``.

    Case-insensitive (ASCII only on SQLite); every character of ``query`` matches itself.
    Title matches come first, then by title and id.

        >>> await search_tracks(session, "ambient", limit=10)  # doctest: +SKIP
    """
    text = query.strip()
    if not text:
        raise InvalidInput("the search query is empty")
    if "\x00" in text:
        # No title or name can hold NUL (PostgreSQL text cannot), so nothing would match.
        raise InvalidInput("the search query contains a NUL character")
    if len(text) > SEARCH_MAX_QUERY:
        raise InvalidInput(f"the search query is longer than {SEARCH_MAX_QUERY} characters")
    if not 1 <= limit <= SEARCH_MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {SEARCH_MAX_LIMIT}")
    pattern = f"%{escape_like(text)}%"

    def contains(column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None]) -> Any:
        return column.ilike(pattern, escape=_LIKE_ESCAPE)

    title_match = contains(Track.title)
    stmt = (
        sa.select(*track_view_columns())
        .join(Artist, Track.artist_did == Artist.did)
        .where(
            track_available(),
            sa.or_(title_match, contains(Artist.handle), contains(Artist.display_name)),
        )
        .order_by(sa.case((title_match, 0), else_=1), Track.title, Track.id)
        .limit(limit)
    )
    async with database_errors():
        rows = (await session.execute(stmt)).all()
    return [track_view(row) for row in rows]


# Built once per dialect: hydration runs on every recommendation request. PostgreSQL takes
# the ids as one array parameter, so the statement (and asyncpg's prepared statement) is
# the same whatever their number; an expanding IN renders one parameter per id each time.
# The last column says whether the track may be suggested (a followed track with a hiding
# self-label or a supporter gate may not): "because" titles, which need only be shown, are
# read by the same statement.
_HYDRATE_BASE = sa.select(*track_view_columns(), suggestible_track().label("suggestible")).join(
    Artist, Track.artist_did == Artist.did
)
_HYDRATE_ANY = _HYDRATE_BASE.where(
    Track.id == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.BigInteger))),
    track_available(),
)
_HYDRATE_IN = _HYDRATE_BASE.where(
    Track.id.in_(sa.bindparam("ids", expanding=True)), track_available()
)
# A cache hit's hydration, on asyncpg's own connection from a plain connection (_driver.py).
_HYDRATE_DRIVER = DriverStatement(_HYDRATE_ANY)
_SUGGESTIBLE = len(track_view_columns())  # the column after a TrackView's


# The same for the (artist, title) of candidates at a miss: the duplicate and variety rules.
# "available" here is "may be shown as a suggestion": a track never suggested is treated as
# a hidden one by the rules (it keeps its place, takes no artist's slot).
_TITLES_BASE = sa.select(
    Track.id,
    Track.artist_did,
    Track.title,
    suggestible_track().label("available"),
)
_TITLES_ANY = _TITLES_BASE.where(
    Track.id == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.BigInteger)))
)
_TITLES_IN = _TITLES_BASE.where(Track.id.in_(sa.bindparam("ids", expanding=True)))


def _is_postgresql(reader: AsyncSession | AsyncConnection) -> bool:
    bind = reader.get_bind() if isinstance(reader, AsyncSession) else reader
    return bind.dialect.name == "postgresql"


def _hydrate_statement(reader: AsyncSession | AsyncConnection) -> sa.Select[Any]:
    return _HYDRATE_ANY if _is_postgresql(reader) else _HYDRATE_IN


def _clean_ids(track_ids: Sequence[int]) -> list[int]:
    """Distinct ids in first-seen order, those out of range dropped (they match nothing)."""
    ids = dict.fromkeys(int(i) for i in track_ids)
    return [i for i in ids if 0 <= i <= TRACK_ID_MAX]


async def hydrate(
    reader: AsyncSession | AsyncConnection, track_ids: Sequence[int], *, limit: int | None = None
) -> list[TrackView]:
    """The available tracks among ``track_ids``, in that order, at most ``limit`` of them.

    One SELECT (tracks joined with artists) on a session or a plain connection. Missing,
    hidden and deleted tracks are skipped and the next ids fill their place, so pass more
    ids than ``limit`` when some may be gone. Repeated ids appear once.

        >>> [t.id for t in await hydrate(session, [42, 7, 19], limit=2)]  # doctest: +SKIP
        [42, 19]
    """
    if limit is not None and limit < 0:
        raise InvalidInput("limit must not be negative")
    ids = _clean_ids(track_ids)
    if len(ids) > HYDRATE_MAX_IDS:
        raise InvalidInput(f"at most {HYDRATE_MAX_IDS} track ids at once")
    if not ids or limit == 0:
        return []
    async with database_errors():
        rows = (await reader.execute(_hydrate_statement(reader), {"ids": ids})).all()
    found = {row[0]: track_view(row) for row in rows}
    ranked = [found[i] for i in ids if i in found]
    return ranked if limit is None else ranked[:limit]


async def hydrate_suggestions(
    reader: AsyncSession | AsyncConnection, track_ids: Sequence[int], because: Sequence[int]
) -> list[SuggestionView]:
    """The available tracks among ``track_ids``, in that order, each with the title of the
    playlist track at the same position of ``because`` (``None`` when that is unknown or
    not shown). One SELECT for both: the titles cost no extra round trip.

        >>> found = await hydrate_suggestions(conn, [42], [7])  # doctest: +SKIP
        >>> [(s.id, s.because.title) for s in found]  # doctest: +SKIP
        [(42, 'Tidal')]
    """
    ids = _clean_ids(track_ids)
    reasons = dict(zip((int(i) for i in track_ids), (int(b) for b in because), strict=False))
    wanted = _clean_ids([*ids, *reasons.values()])
    if len(wanted) > HYDRATE_MAX_IDS:
        raise InvalidInput(f"at most {HYDRATE_MAX_IDS} track ids at once")
    if not ids:
        return []
    if _is_postgresql(reader):
        rows = await fetch_rows(reader, _HYDRATE_DRIVER, {"ids": wanted})
    else:
        async with database_errors():
            rows = (await reader.execute(_HYDRATE_IN, {"ids": wanted})).all()
    found = {row[0]: row for row in rows}
    suggestions = []
    for i in ids:
        row = found.get(i)
        if row is None or not row[_SUGGESTIBLE]:
            continue
        reason = found.get(reasons.get(i, -1))
        why = None if reason is None else Because(track_id=reason[0], title=reason[1])
        suggestions.append(_suggestion(row, why))
    return suggestions


def _suggestion(row: Any, because: Because | None) -> SuggestionView:
    """A :class:`SuggestionView` from a row that starts with :func:`track_view_columns`."""
    return SuggestionView(**_track_fields(row), because=because)


async def track_titles(
    reader: AsyncSession | AsyncConnection, track_ids: Sequence[int]
) -> dict[int, tuple[str, str, bool]]:
    """``(artist DID, title, available)`` of the tracks among ``track_ids`` that exist (one
    SELECT, at most :data:`TITLES_MAX_IDS` ids: a ranking and the shorter one it extends):
    what the duplicate and artist variety rules need. ``available``: visible and not
    deleted, so shown."""
    ids = _clean_ids(track_ids)
    if len(ids) > TITLES_MAX_IDS:
        raise InvalidInput(f"at most {TITLES_MAX_IDS} track ids at once")
    if not ids:
        return {}
    statement = _TITLES_ANY if _is_postgresql(reader) else _TITLES_IN
    async with database_errors():
        rows: Any = (await reader.execute(statement, {"ids": ids})).all()
    return {row[0]: (row[1], row[2], bool(row[3])) for row in rows}


async def all_track_ids(database: Database) -> tuple[list[int], list[int]]:
    """(ids of tracks not deleted, ids of deleted tracks), each sorted, streamed.

    >>> live, deleted = await all_track_ids(database)  # doctest: +SKIP
    """
    live: list[int] = []
    deleted: list[int] = []
    stmt = sa.select(Track.id, Track.deleted_at.is_(None)).order_by(Track.id)
    async with database_errors(), database.engine.connect() as conn:
        result = await conn.stream(stmt.execution_options(yield_per=_ID_BATCH))
        async for track_id, alive in result:
            (live if alive else deleted).append(int(track_id))
    return live, deleted
