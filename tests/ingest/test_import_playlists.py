"""`segue.ingest` playlists: round trip with record CIDs, owners, validation against the
catalog, idempotency and all-or-nothing; on PostgreSQL and SQLite."""

from __future__ import annotations

import pytest

from segue.atproto import playlist_record_cid, track_ref
from segue.catalog import append_track, create_playlist, ensure_user, get_playlist, get_user
from segue.errors import ImportRejected
from segue.ingest import import_playlists, import_tracks, read_playlists, read_tracks

from .ingest_support import OWNER, TRACK_CID, TRACK_URI, snapshot, track_row, write_jsonl

OTHER = "did:plc:someoneelsesomeoneelseso"


@pytest.fixture
async def catalog(database, tmp_path):
    """Tracks 1..6 (track 1 with its own record) and the owner as a user."""
    rows = [track_row(1, uri=TRACK_URI, cid=TRACK_CID), *(track_row(i) for i in range(2, 7))]
    await import_tracks(database, read_tracks(write_jsonl(tmp_path / "tracks.jsonl", rows)))
    async with database.sessionmaker() as s:
        await ensure_user(s, OWNER, "owner.example.com", "Owner")
    return database


def playlist(pid="3kq2d7x4m5abc", tracks=(3, 1, 5), **extra):
    return {"id": pid, "owner_did": OWNER, "name": "Late night", "tracks": list(tracks), **extra}


async def load(database, tmp_path, rows, name="playlists"):
    records = read_playlists(write_jsonl(tmp_path / f"{name}.jsonl", rows))
    return await import_playlists(database, records, source=name)


async def test_round_trip_with_the_catalogs_record_cid(catalog, tmp_path):
    result = await load(catalog, tmp_path, [playlist(), playlist("empty", tracks=())])
    assert (result.playlists, result.new_playlists, result.rewritten) == (2, 2, 0)
    async with catalog.sessionmaker() as s:
        imported = await get_playlist(s, "3kq2d7x4m5abc")
        empty = await get_playlist(s, "empty")
        # The same playlist built through the catalog's own services has the same CID.
        await create_playlist(s, OWNER, "Late night", playlist_id="built")
        for track_id in (3, 1, 5):
            built = await append_track(s, "built", track_id, actor_did=OWNER)
    assert imported.track_ids == (3, 1, 5)
    assert imported.owner_did == OWNER
    assert imported.record_cid == built.record_cid
    artist = track_row(3)["artist_did"]
    refs = [
        track_ref(3, artist, uri=None, cid=None),
        track_ref(1, "unused", uri=TRACK_URI, cid=TRACK_CID),
        track_ref(5, artist, uri=None, cid=None),
    ]
    assert imported.record_cid == playlist_record_cid("Late night", refs)
    assert empty.track_ids == ()
    assert empty.record_cid == playlist_record_cid("Late night", [])


async def test_idempotent(catalog, tmp_path):
    rows = [playlist(), playlist("second", tracks=(6,))]
    await load(catalog, tmp_path, rows)
    first = await snapshot(catalog)
    again = await load(catalog, tmp_path, rows)
    assert (again.new_playlists, again.rewritten) == (0, 0)
    assert await snapshot(catalog) == first


async def test_reimport_rewrites_a_changed_playlist(catalog, tmp_path):
    await load(catalog, tmp_path, [playlist(), playlist("other", tracks=(2,))])
    async with catalog.sessionmaker() as s:
        old = await get_playlist(s, "3kq2d7x4m5abc")
        untouched = await get_playlist(s, "other")
    result = await load(
        catalog,
        tmp_path,
        [playlist(tracks=(5, 3, 1, 4)), playlist("other", tracks=(2,))],
        name="b",
    )
    assert (result.new_playlists, result.rewritten) == (0, 1)
    async with catalog.sessionmaker() as s:
        new = await get_playlist(s, "3kq2d7x4m5abc")
        assert await get_playlist(s, "other") == untouched
    assert new.track_ids == (5, 3, 1, 4)
    assert new.record_cid != old.record_cid
    assert new.updated_at > old.updated_at


async def test_owner_created_from_owner_handle(catalog, tmp_path):
    newcomer = "did:web:newcomer.example.com"
    row = playlist(owner_handle="Newcomer.Example.com", owner_display_name="New")
    row["owner_did"] = newcomer
    result = await load(catalog, tmp_path, [row])
    assert result.new_users == 1
    async with catalog.sessionmaker() as s:
        user = await get_user(s, newcomer)
    assert (user.handle, user.display_name) == ("newcomer.example.com", "New")


async def test_an_existing_owner_is_not_changed(catalog, tmp_path):
    await load(catalog, tmp_path, [playlist(owner_handle="renamed.example.com")])
    async with catalog.sessionmaker() as s:
        assert (await get_user(s, OWNER)).handle == "owner.example.com"


async def test_catalog_problems_are_all_reported_and_nothing_written(catalog, tmp_path):
    await load(catalog, tmp_path, [playlist("taken", tracks=(1,))])
    async with catalog.sessionmaker() as s:
        await ensure_user(s, OTHER, "other.example.com")
    before = await snapshot(catalog)
    rows = [
        playlist("fine", tracks=(1, 2)),
        playlist("ghosts", tracks=(1, 404, 405)),
        {**playlist("nobody"), "owner_did": "did:plc:nobodynobodynobodynobody"},
        {**playlist("taken"), "owner_did": OTHER},
    ]
    with pytest.raises(ImportRejected) as err:
        await load(catalog, tmp_path, rows)
    assert err.value.problems == (
        "line 2: tracks: 2 unknown track id(s): 404, 405",
        "line 3: owner did:plc:nobodynobodynobodynobody is not a user: create it first "
        "(segue token create), or give owner_handle to create it here",
        f"line 4: playlist 'taken' exists and belongs to {OWNER}, not {OTHER}",
    )
    assert await snapshot(catalog) == before


BAD = [
    (playlist(pid="has space"), "line 1: id: not a playlist id"),
    (playlist(pid=".."), "line 1: id: not a playlist id"),
    (playlist(pid="x" * 65), "line 1: id: not a playlist id"),
    ({**playlist(), "owner_did": "alice"}, "line 1: owner_did: not a DID"),
    ({**playlist(), "name": "  "}, "line 1: name: the playlist name is empty"),
    ({**playlist(), "name": "n" * 201}, "line 1: name: the playlist name is longer than 200"),
    (playlist(tracks=(1, 2, 1)), "line 1: tracks: track 1 appears more than once"),
    (playlist(tracks=(1, "2")), "line 1: tracks: item 1: expected an integer id, got '2'"),
    (playlist(tracks=(1, -2)), "line 1: tracks: item 1: id -2 is out of range"),
    (playlist(tracks=(2**53,)), "line 1: tracks: item 0: id 9007199254740992 is out of range"),
    ({**playlist(), "tracks": "1,2"}, "line 1: tracks: expected a list of track ids"),
    (playlist(owner_handle="no"), "line 1: owner_handle: not a handle"),
    (playlist(color="red"), "line 1: unknown field(s) 'color'"),
    ({"id": "x", "owner_did": OWNER}, "line 1: missing name, tracks"),
]


@pytest.mark.parametrize(("row", "message"), BAD, ids=[m for _, m in BAD])
def test_each_problem_is_reported_with_its_line(tmp_path, row, message):
    with pytest.raises(ImportRejected) as err:
        read_playlists(write_jsonl(tmp_path / "p.jsonl", [row]))
    assert any(p.startswith(message) for p in err.value.problems), err.value.problems


async def test_nul_and_lone_surrogates_are_problems_with_their_lines(catalog, tmp_path):
    """Before: PostgreSQL refused the NUL with a raw database error, and the record's
    DAG-CBOR encoder raised a bare ValueError on the surrogate."""
    before = await snapshot(catalog)
    rows = [
        {**playlist("nul"), "name": "Late\x00night"},
        {**playlist("surrogate"), "name": "Late \ud800 night"},
        playlist(
            "newowner",
            owner_did=OTHER,
            owner_handle="other.example.com",
            owner_display_name="\udcff",
        ),
        playlist("fine"),
    ]
    with pytest.raises(ImportRejected) as err:
        await load(catalog, tmp_path, rows)
    assert err.value.problems == (
        "line 1: name: the playlist name contains a control character (U+0000)",
        "line 2: name: the playlist name contains a lone surrogate (U+D800), "
        "which no UTF-8 text can hold",
        "line 3: owner_display_name: the display name contains a lone surrogate (U+DCFF), "
        "which no UTF-8 text can hold",
    )
    assert await snapshot(catalog) == before


def test_file_level_problems(tmp_path):
    rows = [
        playlist("a", owner_handle="one.example.com"),
        playlist("a"),
        playlist("b", owner_handle="two.example.com"),
    ]
    with pytest.raises(ImportRejected) as err:
        read_playlists(write_jsonl(tmp_path / "p.jsonl", rows))
    assert err.value.problems == (
        "line 2: duplicate playlist id 'a' (first on line 1)",
        f"line 3: owner {OWNER} differs: owner_handle 'two.example.com' here, "
        "'one.example.com' on line 1",
    )


def test_an_owner_difference_names_the_field(tmp_path):
    # Issue 26: only owner_display_name missing on some lines read "described differently".
    rows = [
        playlist("a", owner_handle="o.example.com", owner_display_name="Owner"),
        playlist("b", owner_handle="o.example.com"),
    ]
    with pytest.raises(ImportRejected) as err:
        read_playlists(write_jsonl(tmp_path / "p.jsonl", rows))
    assert err.value.problems == (
        f"line 2: owner {OWNER} differs: owner_display_name None here, 'Owner' on line 1",
    )


def test_playlists_are_jsonl_whatever_the_suffix(tmp_path):
    path = write_jsonl(tmp_path / "p.txt", [playlist()])
    assert [p.tracks for p in read_playlists(path)] == [(3, 1, 5)]
