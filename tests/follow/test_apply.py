"""Follow's rules applied to the catalog: ids for URIs, conflicts, the cursor, tombstones."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from segue.atproto import StrongRef
from segue.catalog import Database, hashed_track_id, resolve_track_uris, upsert_tracks
from segue.catalog._models import PlaylistItem
from segue.errors import InvalidInput
from segue.follow import (
    FollowResult,
    PlaylistRecord,
    RecordDeletion,
    TrackRecord,
    apply_follow,
    follow_cursor,
)

ALICE = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
BOB = "did:plc:q6gjnaw2blty4crticxkmujt"
EVE = "did:plc:rfov6bpyztcnedeyyzgfq42k"
CID = "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"


def uri(did: str, rkey: str, collection: str = "fm.plyr.track") -> str:
    return f"at://{did}/{collection}/{rkey}"


def playlist(did: str, rkey: str, rev: str, items: tuple[StrongRef, ...] = ()) -> PlaylistRecord:
    return PlaylistRecord(uri(did, rkey, "fm.plyr.list"), did, rev, CID, 10, rkey, "Mix", items)


async def test_uris_get_ids_once_and_imported_tracks_keep_theirs(database: Database) -> None:
    imported = uri(ALICE, "3lbimported22")
    taken = uri(ALICE, "3lbcollides22")
    # One imported track brings its record; another holds the id a new URI would hash to.
    await upsert_tracks(
        database,
        [{"did": ALICE, "handle": "alice.example.com", "display_name": None}],
        [
            {
                "id": 7,
                "title": "Old",
                "artist_did": ALICE,
                "image_url": None,
                "uri": imported,
                "cid": CID,
            },
            {
                "id": hashed_track_id(taken),
                "title": "X",
                "artist_did": ALICE,
                "image_url": None,
                "uri": None,
                "cid": None,
            },
        ],
    )
    fresh = uri(ALICE, "3lbfresh22222")
    ids = await resolve_track_uris(database, [imported, taken, fresh, fresh])
    assert ids == {imported: 7, taken: hashed_track_id(taken, 1), fresh: hashed_track_id(fresh)}
    assert await resolve_track_uris(database, [fresh, taken]) == {
        fresh: ids[fresh],
        taken: ids[taken],
    }
    with pytest.raises(InvalidInput, match="AT-URI"):
        await resolve_track_uris(database, ["https://example.com/x"])


async def test_a_playlist_id_belongs_to_its_first_owner(database: Database) -> None:
    results = await apply_follow(
        database, [playlist(BOB, "3lbsamekey222", "3lbrev0000001")], cursor=1
    )
    assert results == [FollowResult.APPLIED]
    results = await apply_follow(
        database, [playlist(EVE, "3lbsamekey222", "3lbrev0000002")], cursor=2
    )
    assert results == [FollowResult.CONFLICT]
    # Eve deleting her record of that key leaves Bob's playlist alone.
    deletion = RecordDeletion(
        uri(EVE, "3lbsamekey222", "fm.plyr.list"), EVE, "playlist", "3lbrev0000003", 3
    )
    assert await apply_follow(database, [deletion], cursor=3) == [FollowResult.APPLIED]
    again = await apply_follow(
        database, [playlist(BOB, "3lbsamekey222", "3lbrev0000004")], cursor=4
    )
    assert again == [FollowResult.APPLIED]


async def test_the_cursor_never_moves_back(database: Database) -> None:
    assert await follow_cursor(database) is None
    await apply_follow(database, [], cursor=1_000)
    await apply_follow(database, [], cursor=400)  # a rewound replay
    assert await follow_cursor(database) == 1_000


async def test_tombstones_stop_older_creates_until_they_expire(database: Database) -> None:
    track = TrackRecord(
        uri(ALICE, "3lbtrack22222"), ALICE, "3lbrev0000001", CID, 10, "T", "A", None
    )
    deletion = RecordDeletion(track.uri, ALICE, "track", "3lbrev0000002", 20)
    # The delete arrives first (delivery is unordered): the create is then stale.
    assert await apply_follow(database, [deletion, track], cursor=20) == [
        FollowResult.APPLIED,
        FollowResult.STALE,
    ]
    await apply_follow(database, [], cursor=30, expire_tombstones_before=25)
    assert await apply_follow(database, [track], cursor=31) == [FollowResult.APPLIED]


async def test_a_list_that_stops_being_a_playlist(database: Database) -> None:
    await apply_follow(database, [playlist(BOB, "3lblist222222", "3lbrev0000001")], cursor=1)
    album = RecordDeletion(
        uri(BOB, "3lblist222222", "fm.plyr.list"),
        BOB,
        "playlist",
        "3lbrev0000002",
        2,
        only_if_known=True,
    )
    never = RecordDeletion(
        uri(BOB, "3lbalbum22222", "fm.plyr.list"),
        BOB,
        "playlist",
        "3lbrev0000003",
        3,
        only_if_known=True,
    )
    assert await apply_follow(database, [album, never], cursor=3) == [
        FollowResult.APPLIED,
        FollowResult.IGNORED,
    ]


async def _items(database: Database, playlist_id: str) -> list[int]:
    async with database.reading() as conn:
        rows = await conn.execute(
            sa.select(PlaylistItem.track_id)
            .where(PlaylistItem.playlist_id == playlist_id)
            .order_by(PlaylistItem.position)
        )
        return list(rows.scalars().all())


def _imported(track_id: int, track_uri: str) -> dict[str, object]:
    return {
        "id": track_id,
        "title": "Imported",
        "artist_did": ALICE,
        "image_url": None,
        "uri": track_uri,
        "cid": CID,
    }


async def test_a_followed_playlist_holds_a_track_imported_with_its_record(
    database: Database,
) -> None:
    """A track `segue import tracks` brought with its record's URI is in the catalog: a
    followed playlist listing that URI holds it at once, without its record coming."""
    early, late = uri(ALICE, "3lbimported22"), uri(ALICE, "3lbimported33")
    alice = [{"did": ALICE, "handle": "alice.example.com", "display_name": None}]
    await upsert_tracks(database, alice, [_imported(7, early)])
    refs = (StrongRef(early, CID), StrongRef(late, CID))
    await apply_follow(database, [playlist(BOB, "3lbplaylist22", "3lbrev0000001", refs)], cursor=1)
    assert await _items(database, "3lbplaylist22") == [7]
    # Imported after the playlist: its followed record (same URI) brings it in.
    await upsert_tracks(database, alice, [_imported(8, late)])
    record = TrackRecord(late, ALICE, "3lbrev0000002", CID, 2, "Late", "Alice", None)
    assert await apply_follow(database, [record], cursor=2) == [FollowResult.APPLIED]
    assert await _items(database, "3lbplaylist22") == [7, 8]


async def test_many_uris_get_their_ids_in_a_few_statements(database: Database) -> None:
    """`segue import vectors` by URI resolves a whole file at once: the free ids are found
    per chunk of URIs, not one query per URI."""
    uris = [uri(ALICE, f"3lbmany{n:06d}") for n in range(3000)]
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    sa.event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        ids = await resolve_track_uris(database, uris)
    finally:
        sa.event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    assert ids == {u: hashed_track_id(u) for u in uris}
    assert statements < 40
