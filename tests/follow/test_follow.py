"""`segue follow` against a local Jetstream, on PostgreSQL and SQLite: every case of issue 16.

One stream is played step by step while the follower runs, checking the catalog after each
step; the same stream replayed with ``--once`` must end in the same state.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from segue.catalog import Database, get_playlist, hashed_track_id, playlist_head
from segue.errors import NotFound
from segue.follow import FollowOptions, FollowStats, follow, follow_cursor

from .catalog_dump import dump
from .recording import LISTS, TRACKS, Recording, list_record, ref_of, tid, track_record, uri_of
from .standin import JetstreamStandIn

ALICE = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"  # an artist
BOB = "did:plc:q6gjnaw2blty4crticxkmujt"  # a listener who makes playlists
CAROL = "did:plc:rfov6bpyztcnedeyyzgfq42k"  # another artist
STRANGER = "did:plc:ufbl4k27gp6kzas5glhz7fim"  # an account Segue never hears of otherwise
WAIT_SECONDS = 30.0  # a bound on waiting for the follower, never a timing assertion


class Story:
    """The stream of issue 16's cases, built step by step (each step a list of events)."""

    def __init__(self) -> None:
        self.rec = Recording()
        r = self.rec
        self.a = r.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Aurora", "Alice"))
        self.b = r.commit(ALICE, TRACKS, "3lbtrackb2222", "create", track_record("Borealis"))
        # C is listed before it exists: it waits.
        self.c_ref = (
            f"at://{CAROL}/{TRACKS}/3lbtrackc2222",
            "bafyreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        )
        self.p1 = r.commit(
            BOB,
            LISTS,
            "3lbplaylist22",
            "create",
            list_record("Late night", [ref_of(self.a), ref_of(self.b), self.c_ref]),
        )
        self.other = r.commit(
            BOB,
            "app.bsky.feed.post",
            "3lbpost222222",
            "create",
            {"$type": "app.bsky.feed.post", "text": "hi"},
        )
        self.steps: list[list[dict[str, Any]]] = [list(r.events)]

        # An update with a new CID and reordered items, then a stale one (an older rev).
        self.p2 = r.commit(
            BOB,
            LISTS,
            "3lbplaylist22",
            "update",
            list_record("Late night", [self.c_ref, ref_of(self.b), ref_of(self.a)]),
        )
        self.p_stale = r.commit(
            BOB,
            LISTS,
            "3lbplaylist22",
            "update",
            list_record("Stale", [ref_of(self.a)]),
            rev=tid(self.p1["time_us"] + 1),
        )
        self.dup = r.again(self.b)
        self.bad_track = r.commit(ALICE, TRACKS, "3lbmalformed2", "create", track_record(None))
        self.bad_list = r.commit(
            BOB,
            LISTS,
            "3lbtoolong222",
            "create",
            list_record("Too long", [ref_of(self.a)] * 501),
        )
        self.wrong_type = r.commit(
            ALICE, TRACKS, "3lbwrongtype2", "create", track_record("T", duration="long")
        )
        self.identity = r.identity(ALICE, "alice.example.com")
        self.strangers = [
            r.identity(STRANGER, "who.example.com"),
            r.account(STRANGER, active=False, status="takendown"),
        ]
        self.steps.append(r.events[len(self.steps[0]) :])

        # The track that was waiting arrives.
        start = len(r.events)
        self.c = r.commit(CAROL, TRACKS, "3lbtrackc2222", "create", track_record("Cygnus", "Carol"))
        self.steps.append(r.events[start:])

        # A delete, with a tombstone: the replayed create cannot bring it back.
        start = len(r.events)
        self.b_deleted = r.commit(ALICE, TRACKS, "3lbtrackb2222", "delete")
        r.again(self.b)
        self.steps.append(r.events[start:])

        # A takedown of Alice's account, then its reversal.
        start = len(r.events)
        self.takedown = r.account(ALICE, active=False, status="takendown")
        self.steps.append(r.events[start:])
        start = len(r.events)
        self.back = r.account(ALICE, active=True)
        r.again(self.back)  # the last event delivered again changes nothing
        self.steps.append(r.events[start:])

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.rec.events


@contextlib.asynccontextmanager
async def following(
    database: Database, jetstream: JetstreamStandIn
) -> AsyncIterator[asyncio.Task[FollowStats]]:
    options = FollowOptions(urls=(jetstream.url,), start_cursor=0, backoff_seconds=0.05)
    task = asyncio.create_task(follow(database, options))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def caught_up(
    database: Database, events: list[dict[str, Any]], task: asyncio.Task[FollowStats]
) -> None:
    """Wait until the cursor covers ``events`` (the follower stores it with their changes);
    commits of other collections are never sent (``wantedCollections``), so never awaited."""
    target = max(
        e["time_us"]
        for e in events
        if e["kind"] != "commit" or e["commit"]["collection"] in (TRACKS, LISTS)
    )
    async with asyncio.timeout(WAIT_SECONDS):
        while (await follow_cursor(database) or 0) < target:
            assert not task.done(), task
            await asyncio.sleep(0.02)


async def seen(database: Database, playlist_id: str) -> tuple[list[int], list[int]]:
    """(every item, the items shown) of a playlist."""
    async with database.sessionmaker() as session:
        view = await get_playlist(session, playlist_id)
    return list(view.track_ids), [t.id for t in view.tracks]


async def generation(database: Database, playlist_id: str) -> int:
    async with database.reading() as conn:
        return (await playlist_head(conn, playlist_id)).seeds_generation


def tid_of(event: dict[str, Any]) -> int:
    return hashed_track_id(uri_of(event))


async def test_every_case_step_by_step(database: Database) -> None:
    story = Story()
    a, b, c = tid_of(story.a), tid_of(story.b), hashed_track_id(story.c_ref[0])
    async with (
        JetstreamStandIn(story.steps[0]) as jetstream,
        following(database, jetstream) as task,
    ):
        # Creates: tracks of their repo's DID, ids from their URIs; the playlist is its
        # rkey, owned by Bob, its record CID the commit's, C waiting.
        await caught_up(database, story.steps[0], task)
        assert jetstream.subscriptions[0].collections == (TRACKS, LISTS)
        assert jetstream.subscriptions[0].path == "/subscribe"
        async with database.sessionmaker() as session:
            view = await get_playlist(session, "3lbplaylist22")
        assert (view.owner_did, view.name) == (BOB, "Late night")
        assert view.record_cid == story.p1["commit"]["cid"]
        assert list(view.track_ids) == [a, b]
        assert {t.artist_did for t in view.tracks} == {ALICE}
        assert view.tracks[0].artist_handle == "handle.invalid"  # no identity event yet
        assert view.tracks[0].artist_display_name == "Alice"
        # The record's audioUrl is the track's preview (recording.track_record sets one).
        assert view.tracks[0].audio_url == "https://audio.plyr.fm/audio/3f9a.mp3"

        # Update (new CID, reordered), stale update, duplicate, malformed records, identity.
        jetstream.publish(*story.steps[1])
        await caught_up(database, story.steps[1], task)
        async with database.sessionmaker() as session:
            view = await get_playlist(session, "3lbplaylist22")
        assert view.record_cid == story.p2["commit"]["cid"] != story.p1["commit"]["cid"]
        assert view.name == "Late night"  # not the stale "Stale"
        assert list(view.track_ids) == [b, a]
        assert view.tracks[0].artist_handle == "alice.example.com"
        rows = await dump(database)
        assert not any(
            "3lbmalformed2" in str(r) or "3lbtoolong222" in str(r) or "3lbwrongtype2" in str(r)
            for r in rows["follow_records"]
        )
        assert not any(
            STRANGER in str(r) for r in rows["follow_accounts"] + rows["artists"] + rows["users"]
        )

        # The waiting item appears when its track arrives, and the seeds generation moves.
        before = await generation(database, "3lbplaylist22")
        jetstream.publish(*story.steps[2])
        await caught_up(database, story.steps[2], task)
        assert await seen(database, "3lbplaylist22") == ([c, b, a], [c, b, a])
        assert await generation(database, "3lbplaylist22") == before + 1

        # Delete: B stays an item (hidden) and keeps its id; its replayed create is stale.
        jetstream.publish(*story.steps[3])
        await caught_up(database, story.steps[3], task)
        assert await seen(database, "3lbplaylist22") == ([c, b, a], [c, a])
        assert await generation(database, "3lbplaylist22") == before + 2

        # Takedown hides Alice's tracks (and moves the generation); the reversal shows them.
        jetstream.publish(*story.steps[4])
        await caught_up(database, story.steps[4], task)
        assert await seen(database, "3lbplaylist22") == ([c, b, a], [c])
        assert await generation(database, "3lbplaylist22") == before + 3
        jetstream.publish(*story.steps[5])
        await caught_up(database, story.steps[5], task)
        assert await seen(database, "3lbplaylist22") == ([c, b, a], [c, a])
        assert await generation(database, "3lbplaylist22") == before + 4
        final = await dump(database)

    assert final["cursor"] == max(e["time_us"] for e in story.events)
    tracks = {row["id"]: row for row in final["tracks"]}
    assert set(tracks) == {a, b, c}
    assert tracks[b]["deleted_at"] is True
    assert (tracks[a]["uri"], tracks[a]["cid"]) == (uri_of(story.a), story.a["commit"]["cid"])


async def test_once_replays_the_recording_to_the_same_state(
    database: Database, settings: Any, tmp_path: Any
) -> None:
    """``--once`` from cursor 0: the whole stream at once ends where the steps did."""
    story = Story()
    async with JetstreamStandIn(story.events) as jetstream:
        stats = await follow(
            database,
            FollowOptions(urls=(jetstream.url,), once=True, idle_seconds=0.5, start_cursor=0),
        )
    assert stats.results["malformed"] == 3
    assert stats.results["duplicate"] == 2  # B's create again, the reversal again
    # the older playlist update, B's create after its delete
    assert stats.results["stale"] == 2
    assert stats.results["ignored"] == 2  # the stranger's identity and account events
    # A, B, the playlist and its update, the identity, C, B's delete, takedown, reversal
    assert stats.results["applied"] == 9
    assert stats.cursor == max(e["time_us"] for e in story.events)
    assert await seen(database, "3lbplaylist22") == (
        [hashed_track_id(story.c_ref[0]), tid_of(story.b), tid_of(story.a)],
        [hashed_track_id(story.c_ref[0]), tid_of(story.a)],
    )
    # Again from the stored cursor: everything rewound is a duplicate, nothing changes.
    first = await dump(database)
    async with JetstreamStandIn(story.events) as jetstream:
        again = await follow(
            database, FollowOptions(urls=(jetstream.url,), once=True, idle_seconds=0.5)
        )
        assert (
            jetstream.subscriptions[0].cursor
            == max(e["time_us"] for e in story.events) - 15_000_000
        )
    # Records rewound are duplicates; account events are applied in the order they arrive,
    # so the replayed takedown and reversal are applied again, ending where they were.
    assert again.applied == 2
    assert again.results["duplicate"] + again.results["stale"] == again.events - 2 - 3 - 2
    after = await dump(database)
    for rows in (first, after):  # the re-hiding moved the seeds generation, nothing else
        for row in rows["playlists"]:
            row.pop("seeds_generation")
    assert after == first


async def test_a_hidden_account_hides_its_playlists(database: Database) -> None:
    rec = Recording()
    track = rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Aurora"))
    rec.commit(BOB, LISTS, "3lbplaylist22", "create", list_record(None, [ref_of(track)]))
    rec.account(BOB, active=False, status="suspended")
    async with JetstreamStandIn(rec.events) as jetstream:
        await follow(
            database,
            FollowOptions(urls=(jetstream.url,), once=True, idle_seconds=0.5, start_cursor=0),
        )
    with pytest.raises(NotFound):
        await seen(database, "3lbplaylist22")
    async with database.reading() as conn:
        with pytest.raises(NotFound):
            await playlist_head(conn, "3lbplaylist22")
    rec.account(BOB, active=True)
    async with JetstreamStandIn(rec.events) as jetstream:
        await follow(database, FollowOptions(urls=(jetstream.url,), once=True, idle_seconds=0.5))
    async with database.sessionmaker() as session:
        view = await get_playlist(session, "3lbplaylist22")
    assert view.name == "Untitled playlist"  # the lexicon makes the name optional
    assert list(view.track_ids) == [tid_of(track)]


async def test_fields_the_catalog_cannot_store_are_malformed_not_a_stuck_follower(
    database: Database,
) -> None:
    """A rev that is not a TID (a NUL in it: PostgreSQL refuses the text) and an account
    status longer than its column would fail the batch again at every restart; the rev
    makes its event malformed, the status is dropped (it hides nothing), and the stream
    goes on."""
    rec = Recording()
    rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Aurora"))
    rec.commit(ALICE, TRACKS, "3lbtrackb2222", "create", track_record("Bad"), rev="3lb\x00bad")
    rec.commit(ALICE, TRACKS, "3lbtrackc2222", "create", track_record("Long"), rev="3" * 20)
    rec.account(ALICE, active=False, status="x" * 100)
    rec.commit(ALICE, TRACKS, "3lbtrackd2222", "create", track_record("After"))
    async with JetstreamStandIn(rec.events) as jetstream:
        stats = await follow(
            database,
            FollowOptions(urls=(jetstream.url,), once=True, idle_seconds=0.5, start_cursor=0),
        )
    assert stats.results == {"applied": 3, "malformed": 2}
    rows = await dump(database)
    assert sorted(row["title"] for row in rows["tracks"]) == ["After", "Aurora"]
    assert [row["status"] for row in rows["follow_accounts"]] == [None]


async def test_account_events_apply_in_arrival_order_whatever_their_seq(
    database: Database,
) -> None:
    """A host switch may land on a Jetstream fed by another relay, whose seq numbers are
    lower: before, the reversal of a takedown was dropped as stale and the artist stayed
    hidden for ever."""
    rec = Recording()
    rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Aurora"))
    rec.account(ALICE, active=False, status="takendown")
    back = rec.account(ALICE, active=True)
    back["account"]["seq"] = 5  # another relay's numbering
    renamed = rec.identity(ALICE, "alice.example.com")
    renamed["identity"]["seq"] = 6
    async with JetstreamStandIn(rec.events) as jetstream:
        stats = await follow(
            database,
            FollowOptions(urls=(jetstream.url,), once=True, idle_seconds=0.5, start_cursor=0),
        )
    assert stats.applied == 4
    rows = await dump(database)
    assert [r["visible"] for r in rows["tracks"]] == [True]
    assert [r["handle"] for r in rows["artists"]] == ["alice.example.com"]
