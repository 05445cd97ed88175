"""The backfill's bulk path (a ``listRecords`` page in a few set-based statements,
src/segue/follow/_apply_bulk.py) leaves the catalog exactly as the one-by-one path of the
stream does for the same records, on PostgreSQL and SQLite: a newer version from the
stream kept, older ones replaced, a deleted track restored, playlists waiting for a track
completed, audio sources pending, and records the repo no longer holds deleted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from segue.atproto import record_cid
from segue.catalog import Database, get_playlist, hashed_track_id
from segue.follow import FollowChange, FollowResult, RecordDeletion, apply_follow, decode
from segue.follow._apply_bulk import delete_missing

from .catalog_dump import dump
from .recording import LISTS, START_US, TRACKS, list_record, tid, track_record
from .test_kill import empty

ALICE = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
BOB = "did:plc:q6gjnaw2blty4crticxkmujt"
OLDER, OLD, REV, NEWER = (tid(START_US + n * 1_000_000) for n in (1, 2, 3, 4))
TIME_US = START_US + 5_000_000
ORIGINS = ("https://audio.plyr.fm",)


def uri(did: str, collection: str, rkey: str) -> str:
    return f"at://{did}/{collection}/{rkey}"


def change(did: str, collection: str, rkey: str, rev: str, record: Any = None) -> FollowChange:
    """What the stream (or the backfill) decodes from one commit."""
    commit: dict[str, Any] = {"rev": rev, "collection": collection, "rkey": rkey}
    if record is None:
        commit["operation"] = "delete"
    else:
        commit.update(operation="create", record=record, cid=record_cid(record))
    event = decode({"did": did, "time_us": TIME_US, "kind": "commit", "commit": commit})
    assert event.change is not None, event.problem
    return event.change


def ref(did: str, rkey: str, title: str) -> tuple[str, str]:
    return uri(did, TRACKS, rkey), record_cid(track_record(title))


async def before_the_backfill(database: Database) -> None:
    """What the stream applied earlier."""
    stream = [
        change(ALICE, TRACKS, "3lbnewer00002", NEWER, track_record("From the stream")),
        change(ALICE, TRACKS, "3lbolder00002", OLD, track_record("Old title")),
        change(ALICE, TRACKS, "3lbgone000002", OLD, track_record("Gone")),
        change(ALICE, TRACKS, "3lbdeleted002", OLDER, track_record("Deleted")),
        # Bob's mix lists the deleted track, one still to come and one that will vanish.
        change(
            BOB,
            LISTS,
            "3lbmix0000002",
            OLD,
            list_record(
                "Mix",
                [
                    ref(ALICE, "3lbdeleted002", "Deleted"),
                    ref(ALICE, "3lbarrives002", "Arrives"),
                    ref(ALICE, "3lbgone000002", "Gone"),
                ],
            ),
        ),
        change(BOB, LISTS, "3lbvanish0002", OLD, list_record("Vanished", [])),
        # ... and another only the deleted track: restored, its generation must move.
        change(BOB, LISTS, "3lbkeep000002", OLD, KEEP),
        change(ALICE, TRACKS, "3lbdeleted002", OLD),
    ]
    results = await apply_follow(database, stream, cursor=None, audio_origins=ORIGINS)
    assert set(results) == {FollowResult.APPLIED}


KEEP = list_record("Keep", [ref(ALICE, "3lbdeleted002", "Deleted")])


def pages() -> list[list[FollowChange]]:
    """The repos' records at the backfill's rev: Alice's tracks, then Bob's lists."""
    titles = {
        "3lbnewer00002": "Repo's",
        "3lbolder00002": "New title",
        "3lbdeleted002": "Deleted",
        "3lbarrives002": "Arrives",
        **{f"3lbfresh{i:05d}": f"Fresh {i}" for i in range(20)},
    }
    tracks = [change(ALICE, TRACKS, k, REV, track_record(t)) for k, t in titles.items()]
    tracks.append(tracks[-1])  # a page listing one record twice
    tracks.append(
        change(ALICE, TRACKS, "3lbblob000002", REV, track_record("Blob", audioUrl="http://x/a"))
    )
    lists = [
        change(
            BOB,
            LISTS,
            "3lbmix0000002",
            REV,
            list_record("Mix", [ref(ALICE, "3lbfresh00003", "Fresh 3")]),
        ),
        change(BOB, LISTS, "3lbkeep000002", REV, KEEP),
    ]
    return [tracks, lists]


Apply = Callable[[Database, list[FollowChange], str, str], Awaitable[list[FollowResult]]]


async def one_by_one(
    database: Database, page: list[FollowChange], did: str, collection: str
) -> list[FollowResult]:
    results = await apply_follow(database, page, cursor=None, audio_origins=ORIGINS)
    kind: Literal["track", "playlist"] = "track" if collection == TRACKS else "playlist"
    listed = {getattr(c, "uri", None) for c in page}
    stored = {
        r["uri"]
        for r in (await dump(database))["follow_records"]
        if r["did"] == did and r["kind"] == kind and not r["deleted_at"] and r["rev"] < REV
    }
    gone = [RecordDeletion(u, did, kind, REV, TIME_US) for u in sorted(stored - listed)]
    return results + await apply_follow(database, gone, cursor=None)


async def in_bulk(
    database: Database, page: list[FollowChange], did: str, collection: str
) -> list[FollowResult]:
    kind: Literal["track", "playlist"] = "track" if collection == TRACKS else "playlist"
    deleted: list[int] = []

    async def then(session: AsyncSession) -> None:
        deleted.append(await delete_missing(session, did, collection, kind, REV, TIME_US))

    results = await apply_follow(
        database, page, cursor=None, audio_origins=ORIGINS, bulk=True, then=then
    )
    return results + [FollowResult.APPLIED] * deleted[0]


async def backfilled(database: Database, apply: Apply) -> tuple[list[Any], dict[str, Any]]:
    await empty(database)
    await before_the_backfill(database)
    generations = {p["id"]: p["seeds_generation"] for p in (await dump(database))["playlists"]}
    tracks, lists = pages()
    results = [
        await apply(database, tracks, ALICE, TRACKS),
        await apply(database, lists, BOB, LISTS),
    ]
    rows = await dump(database)
    # How many times a generation moves may differ (once a page, or once a track); that it
    # moved whenever the items changed may not.
    for playlist in rows["playlists"]:
        moved = playlist.pop("seeds_generation") > generations.get(playlist["id"], 0)
        playlist["generation_moved"] = moved
    return results, rows


async def test_the_bulk_path_leaves_the_catalog_the_one_by_one_path_does(
    database: Database,
) -> None:
    expected_results, expected = await backfilled(database, one_by_one)
    results, rows = await backfilled(database, in_bulk)
    assert results == expected_results
    assert rows == expected

    # And that catalog is the one the rules ask for (so both paths cannot be wrong alike).
    track_results = results[0]
    assert track_results[0] == FollowResult.STALE  # the stream's newer version
    assert track_results[24] == FollowResult.DUPLICATE  # listed twice
    assert track_results.count(FollowResult.APPLIED) == 3 + 20 + 1 + 1  # + Gone's deletion
    tracks = {r["uri"].rsplit("/", 1)[1]: r for r in rows["tracks"]}
    assert tracks["3lbnewer00002"]["title"] == "From the stream"
    assert tracks["3lbolder00002"]["title"] == "New title"
    assert tracks["3lbgone000002"]["deleted_at"] is True
    assert tracks["3lbdeleted002"]["deleted_at"] is False
    assert tracks["3lbblob000002"]["audio_url"] is None  # not a public https URL
    versions = {r["uri"].rsplit("/", 1)[1]: r for r in rows["follow_records"]}
    assert versions["3lbnewer00002"]["rev"] == NEWER
    assert versions["3lbgone000002"]["rev"] == REV
    assert versions["3lbgone000002"]["cid"] is None
    assert versions["3lbvanish0002"]["deleted_at"] is True
    pending = {r["track_id"] for r in rows["track_embeddings"] if r["state"] == "pending"}
    assert hashed_track_id(uri(ALICE, TRACKS, "3lbfresh00007")) in pending
    assert [p["id"] for p in rows["playlists"]] == ["3lbkeep000002", "3lbmix0000002"]
    async with database.sessionmaker() as session:
        mix = await get_playlist(session, "3lbmix0000002")
    assert list(mix.track_ids) == [hashed_track_id(uri(ALICE, TRACKS, "3lbfresh00003"))]


async def test_waiting_playlists_are_completed_and_restored_tracks_move_generations(
    database: Database,
) -> None:
    """Before the lists' page: the tracks' page alone completes Bob's mix and restores the
    deleted track in it, moving its seeds generation (the cache key of its record)."""
    for apply in (one_by_one, in_bulk):
        await empty(database)
        await before_the_backfill(database)
        before = (await dump(database))["playlists"]
        mix = next(p for p in before if p["id"] == "3lbmix0000002")
        await apply(database, pages()[0], ALICE, TRACKS)
        async with database.sessionmaker() as session:
            view = await get_playlist(session, "3lbmix0000002")
        assert list(view.track_ids) == [
            # A deleted track's row stays in the playlists listing it (taken down, not shown).
            hashed_track_id(uri(ALICE, TRACKS, k))
            for k in ("3lbdeleted002", "3lbarrives002", "3lbgone000002")
        ], apply.__name__
        after = next(p for p in (await dump(database))["playlists"] if p["id"] == mix["id"])
        assert after["seeds_generation"] > mix["seeds_generation"], apply.__name__
        assert after["record_cid"] == mix["record_cid"]
        keep = next(p for p in before if p["id"] == "3lbkeep000002")
        kept = next(p for p in (await dump(database))["playlists"] if p["id"] == keep["id"])
        assert kept["seeds_generation"] > keep["seeds_generation"], apply.__name__


async def test_pages_of_several_accounts_written_together_end_the_same(
    database: Database,
) -> None:
    """Pages that wait for each other are written in one transaction (the backfill's
    group commit): Alice's tracks and Bob's lists together end as one by one."""
    _, expected = await backfilled(database, one_by_one)

    async def together(
        database: Database, page: list[FollowChange], did: str, collection: str
    ) -> list[FollowResult]:
        if collection == LISTS:
            return []  # written with the tracks' page
        tracks, lists = pages()

        async def then(session: AsyncSession) -> None:
            await delete_missing(session, ALICE, TRACKS, "track", REV, TIME_US)
            await delete_missing(session, BOB, LISTS, "playlist", REV, TIME_US)

        return await apply_follow(
            database, tracks + lists, cursor=None, audio_origins=ORIGINS, bulk=True, then=then
        )

    _, rows = await backfilled(database, together)
    assert rows == expected
