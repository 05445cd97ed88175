"""``replace_items``: a playlist's items replaced whole, and the cache key moving with them
(the seeds generation when the record stays the same)."""

from __future__ import annotations

import sqlalchemy as sa

from segue.catalog import Database, create_playlist, replace_items

from .conftest import Seeded


async def _state(database: Database, playlist_id: str) -> tuple[list[int], int]:
    async with database.reading() as conn:
        items = (
            await conn.scalars(
                sa.text(
                    "SELECT track_id FROM playlist_items WHERE playlist_id = :p ORDER BY position"
                ),
                {"p": playlist_id},
            )
        ).all()
        generation = await conn.scalar(
            sa.text("SELECT seeds_generation FROM playlists WHERE id = :p"), {"p": playlist_id}
        )
    return list(items), int(generation)


async def test_items_changed_under_the_same_record_move_the_seeds_generation(
    database: Database, seeded: Seeded
) -> None:
    async with database.sessionmaker() as session:
        playlist = await create_playlist(session, seeded.alice.did, "Mix")
    _, start = await _state(database, playlist.id)

    async with database.sessionmaker.begin() as session:
        assert await replace_items(session, playlist.id, [3, 1, 2], same_record=True)
    assert await _state(database, playlist.id) == ([3, 1, 2], start + 1)

    async with database.sessionmaker.begin() as session:  # the same items: nothing moves
        assert not await replace_items(session, playlist.id, [3, 1, 2], same_record=True)
    assert await _state(database, playlist.id) == ([3, 1, 2], start + 1)

    async with database.sessionmaker.begin() as session:  # reordered
        assert await replace_items(session, playlist.id, [1, 2, 3], same_record=True)
    assert await _state(database, playlist.id) == ([1, 2, 3], start + 2)


async def test_items_of_a_new_record_leave_the_generation_to_its_cid(
    database: Database, seeded: Seeded
) -> None:
    async with database.sessionmaker() as session:
        playlist = await create_playlist(session, seeded.alice.did, "Mix")
    _, start = await _state(database, playlist.id)
    async with database.sessionmaker.begin() as session:
        assert await replace_items(session, playlist.id, [4, 2], same_record=False)
        assert await replace_items(session, playlist.id, [], same_record=False)
    assert await _state(database, playlist.id) == ([], start)
