"""Track search and hydration on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from segue.catalog import Database, escape_like, hydrate, search_tracks
from segue.catalog._models import Artist, Track
from segue.errors import InvalidInput

from .conftest import AURORA, DELETED, HIDDEN, Seeded

ODD_TITLES = {
    20: "100% Pure",
    21: "100 Pure",
    22: "snake_case",
    23: "snakeXcase",
    24: "back\\slash",
    25: "backslash",
    26: "O'Brien; DROP TABLE tracks; --",
}


@pytest.fixture
async def odd_tracks(session: AsyncSession, seeded: Seeded) -> None:
    session.add_all(Track(id=i, title=t, artist_did=AURORA) for i, t in ODD_TITLES.items())
    await session.commit()


async def _ids(session: AsyncSession, query: str, **kwargs: Any) -> list[int]:
    return [t.id for t in await search_tracks(session, query, **kwargs)]


async def test_search_by_title_handle_or_name_case_insensitively(
    session: AsyncSession, seeded: Seeded
) -> None:
    assert await _ids(session, "night drive") == [2]
    assert await _ids(session, "  DEEP  ") == [3]
    # Both of Basso's available tracks, by artist handle and by display name.
    assert sorted(await _ids(session, "basso.example")) == [3, 4]
    assert sorted(await _ids(session, "profundo")) == [3, 4]


async def test_search_ranks_title_matches_first(session: AsyncSession, seeded: Seeded) -> None:
    session.add(Artist(did="did:plc:light", handle="light.example.com", display_name="Light"))
    session.add(Track(id=30, title="Zebra", artist_did="did:plc:light"))
    await session.commit()
    # "Morning Light" matches by title, "Zebra" only by its artist's name.
    assert await _ids(session, "light") == [4, 30]


async def test_search_skips_hidden_and_deleted(session: AsyncSession, seeded: Seeded) -> None:
    assert await _ids(session, "hidden gem") == []
    assert await _ids(session, "gone song") == []
    assert HIDDEN not in await _ids(session, "aurora", limit=100)
    assert DELETED not in await _ids(session, "basso", limit=100)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("%", [20]),
        ("100%", [20]),
        ("_", [22]),
        ("e_c", [22]),
        ("\\", [24]),
        ("k\\s", [24]),
        ("O'Brien; DROP TABLE", [26]),
        ("%'", []),
    ],
)
async def test_search_metacharacters_match_literally(
    session: AsyncSession, odd_tracks: None, query: str, expected: list[int]
) -> None:
    assert await _ids(session, query) == expected


async def test_search_survives_sql_in_the_query(session: AsyncSession, odd_tracks: None) -> None:
    assert await _ids(session, "x'); DELETE FROM tracks; --") == []
    count = await session.scalar(sa.select(sa.func.count()).select_from(Track))
    assert count == 7 + len(ODD_TITLES)


async def test_search_limit(session: AsyncSession, odd_tracks: None) -> None:
    everything = await _ids(session, "a", limit=100)
    assert len(everything) > 3
    assert await _ids(session, "a", limit=3) == everything[:3]


@pytest.mark.parametrize(
    ("query", "limit"), [("", 10), ("   ", 10), ("x" * 201, 10), ("x", 0), ("x", 101)]
)
async def test_search_refuses_bad_input(
    session: AsyncSession, seeded: Seeded, query: str, limit: int
) -> None:
    with pytest.raises(InvalidInput):
        await search_tracks(session, query, limit=limit)


def test_escape_like() -> None:
    assert escape_like("a%b_c\\d") == "a\\%b\\_c\\\\d"
    assert escape_like("plain") == "plain"


@contextmanager
def _count_statements(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def test_hydrate_keeps_ranked_order_in_one_select(
    session: AsyncSession, database: Database, seeded: Seeded
) -> None:
    with _count_statements(database) as statements:
        tracks = await hydrate(session, [4, 1, 7, 2])
    assert [t.id for t in tracks] == [4, 1, 7, 2]
    assert len(statements) == 1
    assert statements[0].lstrip().upper().startswith("SELECT")
    first = tracks[1]
    assert (first.title, first.artist_handle, first.artist_display_name, first.image_url) == (
        "Ambient Waves",
        "aurora.example.com",
        "Aurora Sky",
        "https://i/1",
    )


async def test_hydrate_skips_missing_hidden_deleted_and_still_fills_the_limit(
    session: AsyncSession, seeded: Seeded
) -> None:
    ranked = [999, HIDDEN, 3, DELETED, 3, 1, -5, 2**70, 4, 2]
    assert [t.id for t in await hydrate(session, ranked)] == [3, 1, 4, 2]
    assert [t.id for t in await hydrate(session, ranked, limit=3)] == [3, 1, 4]
    assert await hydrate(session, ranked, limit=0) == []
    assert await hydrate(session, []) == []
    assert await hydrate(session, [999, HIDDEN, DELETED]) == []


async def test_hydrate_bounds(session: AsyncSession, seeded: Seeded) -> None:
    with pytest.raises(InvalidInput):
        await hydrate(session, list(range(1001)))
    with pytest.raises(InvalidInput):
        await hydrate(session, [1], limit=-1)
