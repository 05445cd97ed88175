"""Playlists on PostgreSQL and SQLite: items, ownership, and the record CID kept in step."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

import segue.catalog._playlists as playlists_module
from segue.atproto import playlist_record_cid, track_ref
from segue.catalog import (
    Database,
    append_track,
    create_playlist,
    get_playlist,
    list_playlists,
    remove_track,
    reorder_tracks,
)
from segue.catalog._models import PlaylistItem, Track
from segue.errors import Conflict, Forbidden, InvalidInput, NotFound

from .conftest import DELETED, HIDDEN, TRACK_7_CID, TRACK_7_URI, Seeded


async def _stored(database: Database, playlist_id: str) -> tuple[list[int], str]:
    """The items and CID as committed, read on a separate connection."""
    async with database.engine.connect() as conn:
        items = (
            await conn.execute(
                sa.text(
                    "SELECT track_id FROM playlist_items WHERE playlist_id = :p ORDER BY position"
                ),
                {"p": playlist_id},
            )
        ).scalars()
        cid = (
            await conn.execute(
                sa.text("SELECT record_cid FROM playlists WHERE id = :p"), {"p": playlist_id}
            )
        ).scalar_one()
        return list(items), cid


async def _expected_cid(session: AsyncSession, name: str, track_ids: list[int]) -> str:
    """The CID recomputed from scratch, from the tracks' own rows."""
    refs = []
    for tid in track_ids:
        track = await session.get(Track, tid)
        assert track is not None
        refs.append(track_ref(tid, track.artist_did, uri=track.uri, cid=track.cid))
    return playlist_record_cid(name, refs)


async def test_create_and_get(session: AsyncSession, seeded: Seeded) -> None:
    created = await create_playlist(session, seeded.alice.did, "  Late \n night ")
    assert created.name == "Late night"
    assert created.owner_did == seeded.alice.did
    assert created.track_ids == ()
    assert created.record_cid == playlist_record_cid("Late night", [])
    fetched = await get_playlist(session, created.id)
    assert fetched == created
    assert created.created_at.tzinfo is not None


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
async def test_create_refuses_bad_names(session: AsyncSession, seeded: Seeded, name: str) -> None:
    with pytest.raises(InvalidInput):
        await create_playlist(session, seeded.alice.did, name)


async def test_create_for_unknown_user_or_taken_id(session: AsyncSession, seeded: Seeded) -> None:
    with pytest.raises(NotFound):
        await create_playlist(session, "did:plc:nobody", "Mix")
    await create_playlist(session, seeded.alice.did, "Mix", playlist_id="fixedid")
    with pytest.raises(Conflict):
        await create_playlist(session, seeded.bob.did, "Other", playlist_id="fixedid")


async def test_get_unknown_playlist(session: AsyncSession, seeded: Seeded) -> None:
    with pytest.raises(NotFound):
        await get_playlist(session, "nope")


async def test_append_remove_reorder_keep_items_and_cid_in_step(
    session: AsyncSession, database: Database, seeded: Seeded
) -> None:
    alice = seeded.alice.did
    playlist = await create_playlist(session, alice, "Mix")
    seen = {playlist.record_cid}

    for tid in (3, 1, 7):
        playlist = await append_track(session, playlist.id, tid, actor_did=alice)
        seen.add(playlist.record_cid)
    assert playlist.track_ids == (3, 1, 7)
    assert [t.id for t in playlist.tracks] == [3, 1, 7]
    assert playlist.tracks[1].title == "Ambient Waves"
    assert playlist.tracks[1].artist_handle == "aurora.example.com"
    assert playlist.tracks[1].artist_display_name == "Aurora Sky"
    assert playlist.tracks[1].image_url == "https://i/1"

    playlist = await reorder_tracks(session, playlist.id, [7, 3, 1], actor_did=alice)
    seen.add(playlist.record_cid)
    assert playlist.track_ids == (7, 3, 1)

    playlist = await remove_track(session, playlist.id, 3, actor_did=alice)
    seen.add(playlist.record_cid)
    assert playlist.track_ids == (7, 1)

    # Every change gave a new CID, and what is stored is exactly the recomputed one.
    assert len(seen) == 6
    items, cid = await _stored(database, playlist.id)
    assert items == [7, 1]
    assert cid == playlist.record_cid == await _expected_cid(session, "Mix", [7, 1])


async def test_cid_depends_only_on_content(session: AsyncSession, seeded: Seeded) -> None:
    alice = seeded.alice.did
    playlist = await create_playlist(session, alice, "Mix")
    one = await append_track(session, playlist.id, 1, actor_did=alice)
    two = await append_track(session, playlist.id, 2, actor_did=alice)
    assert (await get_playlist(session, playlist.id)).record_cid == two.record_cid
    back = await remove_track(session, playlist.id, 2, actor_did=alice)
    assert back.record_cid == one.record_cid
    # Two playlists with the same name and items have the same record, hence CID.
    other = await create_playlist(session, seeded.bob.did, "Mix")
    other = await append_track(session, other.id, 1, actor_did=seeded.bob.did)
    assert other.record_cid == one.record_cid


async def test_reorder_to_the_same_order_changes_nothing(
    session: AsyncSession, database: Database, seeded: Seeded
) -> None:
    alice = seeded.alice.did
    playlist = await create_playlist(session, alice, "Mix")
    for tid in (1, 2, 3):
        playlist = await append_track(session, playlist.id, tid, actor_did=alice)
    same = await reorder_tracks(session, playlist.id, [1, 2, 3], actor_did=alice)
    assert same.record_cid == playlist.record_cid
    assert await _stored(database, playlist.id) == ([1, 2, 3], playlist.record_cid)


async def test_record_uses_a_tracks_own_reference(session: AsyncSession, seeded: Seeded) -> None:
    alice = seeded.alice.did
    playlist = await create_playlist(session, alice, "Mix")
    playlist = await append_track(session, playlist.id, 7, actor_did=alice)
    ref = track_ref(7, "ignored", uri=TRACK_7_URI, cid=TRACK_7_CID)
    assert playlist.record_cid == playlist_record_cid("Mix", [ref])


async def test_append_refuses_duplicates_and_unavailable_tracks(
    session: AsyncSession, database: Database, seeded: Seeded
) -> None:
    alice = seeded.alice.did
    playlist = await create_playlist(session, alice, "Mix")
    playlist = await append_track(session, playlist.id, 1, actor_did=alice)
    before = await _stored(database, playlist.id)
    with pytest.raises(Conflict):
        await append_track(session, playlist.id, 1, actor_did=alice)
    for missing in (HIDDEN, DELETED, 999, -1, 2**70):
        with pytest.raises(NotFound):
            await append_track(session, playlist.id, missing, actor_did=alice)
    # Failed mutations left items and CID exactly as they were.
    assert await _stored(database, playlist.id) == before


async def test_only_the_owner_may_change_a_playlist(
    session: AsyncSession, database: Database, seeded: Seeded
) -> None:
    playlist = await create_playlist(session, seeded.alice.did, "Mix")
    playlist = await append_track(session, playlist.id, 1, actor_did=seeded.alice.did)
    before = await _stored(database, playlist.id)
    bob = seeded.bob.did
    with pytest.raises(Forbidden):
        await append_track(session, playlist.id, 2, actor_did=bob)
    with pytest.raises(Forbidden):
        await remove_track(session, playlist.id, 1, actor_did=bob)
    with pytest.raises(Forbidden):
        await reorder_tracks(session, playlist.id, [1], actor_did=bob)
    with pytest.raises(NotFound):
        await append_track(session, "nope", 1, actor_did=bob)
    assert await _stored(database, playlist.id) == before


async def test_remove_a_track_that_is_not_there(session: AsyncSession, seeded: Seeded) -> None:
    alice = seeded.alice.did
    playlist = await create_playlist(session, alice, "Mix")
    playlist = await append_track(session, playlist.id, 1, actor_did=alice)
    for tid in (2, 999, 2**70):
        with pytest.raises(NotFound):
            await remove_track(session, playlist.id, tid, actor_did=alice)


@pytest.mark.parametrize("order", [[1, 2], [1, 2, 3, 4], [1, 1, 2], [1, 2, 99], []])
async def test_reorder_needs_exactly_the_same_tracks(
    session: AsyncSession, database: Database, seeded: Seeded, order: list[int]
) -> None:
    alice = seeded.alice.did
    playlist = await create_playlist(session, alice, "Mix")
    for tid in (1, 2, 3):
        playlist = await append_track(session, playlist.id, tid, actor_did=alice)
    before = await _stored(database, playlist.id)
    with pytest.raises(InvalidInput):
        await reorder_tracks(session, playlist.id, order, actor_did=alice)
    assert await _stored(database, playlist.id) == before


async def _hide(database: Database, track_id: int) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(sa.update(Track).where(Track.id == track_id).values(visible=False))


async def test_hidden_items_are_listed_apart_and_keep_their_place_in_a_reorder(
    session: AsyncSession, database: Database, seeded: Seeded
) -> None:
    alice = seeded.alice.did
    playlist = await create_playlist(session, alice, "Mix")
    for tid in (1, 2, 3, 4):
        playlist = await append_track(session, playlist.id, tid, actor_did=alice)
    await _hide(database, 2)

    shown = await get_playlist(session, playlist.id)
    assert shown.track_ids == (1, 2, 3, 4)
    assert [t.id for t in shown.tracks] == [1, 3, 4]

    # The client reorders what it sees; the hidden track stays second.
    reordered = await reorder_tracks(session, playlist.id, [4, 1, 3], actor_did=alice)
    assert reordered.track_ids == (4, 2, 1, 3)
    # Or it may name every item.
    reordered = await reorder_tracks(session, playlist.id, [2, 3, 4, 1], actor_did=alice)
    assert reordered.track_ids == (2, 3, 4, 1)
    assert reordered.record_cid == await _expected_cid(session, "Mix", [2, 3, 4, 1])


async def test_a_failure_after_the_items_changed_rolls_everything_back(
    session: AsyncSession,
    database: Database,
    seeded: Seeded,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = seeded.alice.did
    playlist = await create_playlist(session, alice, "Mix")
    playlist = await append_track(session, playlist.id, 1, actor_did=alice)
    playlist = await append_track(session, playlist.id, 2, actor_did=alice)
    before = await _stored(database, playlist.id)

    class BoomError(RuntimeError):
        pass

    def fail(*_args: object, **_kwargs: object) -> str:
        raise BoomError

    # The CID is computed after the items were written in the transaction: failing there
    # must undo the item change too.
    monkeypatch.setattr(playlists_module, "items_record_cid", fail)
    with pytest.raises(BoomError):
        await append_track(session, playlist.id, 3, actor_did=alice)
    with pytest.raises(BoomError):
        await remove_track(session, playlist.id, 1, actor_did=alice)
    with pytest.raises(BoomError):
        await reorder_tracks(session, playlist.id, [2, 1], actor_did=alice)
    assert await _stored(database, playlist.id) == before

    monkeypatch.undo()
    # The session is still usable afterwards.
    after = await append_track(session, playlist.id, 3, actor_did=alice)
    assert after.track_ids == (1, 2, 3)


async def test_positions_stay_unique_after_gaps(session: AsyncSession, seeded: Seeded) -> None:
    alice = seeded.alice.did
    playlist = await create_playlist(session, alice, "Mix")
    for tid in (1, 2, 3):
        playlist = await append_track(session, playlist.id, tid, actor_did=alice)
    await remove_track(session, playlist.id, 2, actor_did=alice)
    playlist = await append_track(session, playlist.id, 2, actor_did=alice)
    assert playlist.track_ids == (1, 3, 2)
    positions = (
        await session.scalars(
            sa.select(PlaylistItem.position).where(PlaylistItem.playlist_id == playlist.id)
        )
    ).all()
    assert len(set(positions)) == 3


async def test_list_playlists(session: AsyncSession, seeded: Seeded) -> None:
    alice = seeded.alice.did
    first = await create_playlist(session, alice, "First")
    second = await create_playlist(session, alice, "Second")
    await create_playlist(session, seeded.bob.did, "Bob's")
    await append_track(session, first.id, 1, actor_did=alice)
    await append_track(session, first.id, 2, actor_did=alice)
    await append_track(session, first.id, 3, actor_did=alice)
    # Taken down since it was added: no longer shown, so no longer counted.
    await session.execute(sa.update(Track).where(Track.id == 3).values(visible=False))
    await session.commit()

    listed = await list_playlists(session, alice)
    # Most recently changed first: "First" was changed after "Second" was created.
    assert [(p.id, p.track_count) for p in listed] == [(first.id, 2), (second.id, 0)]
    assert await list_playlists(session, "did:plc:nobody") == []
    with pytest.raises(InvalidInput):
        await list_playlists(session, alice, limit=0)


async def test_concurrent_mutations_of_one_playlist_serialise(
    database: Database, seeded: Seeded
) -> None:
    alice = seeded.alice.did
    async with database.sessionmaker() as session:
        playlist = await create_playlist(session, alice, "Mix")

    async def add(track_id: int) -> None:
        async with database.sessionmaker() as session:
            await append_track(session, playlist.id, track_id, actor_did=alice)

    # Each append reads the last position and writes the next: without the row lock two
    # of them would pick the same position and one would fail.
    await asyncio.gather(*(add(tid) for tid in (1, 2, 3, 4, 7)))
    items, cid = await _stored(database, playlist.id)
    assert sorted(items) == [1, 2, 3, 4, 7]
    async with database.sessionmaker() as session:
        assert cid == await _expected_cid(session, "Mix", items)
