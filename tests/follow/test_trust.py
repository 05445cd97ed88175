"""Issue 21, items 6 and 7: what a followed record is trusted with, and the adversarial
findings against `segue follow` (each failed before its fix), on PostgreSQL and SQLite."""

from __future__ import annotations

import time
from typing import Any

import pytest

from segue.atproto import record_cid
from segue.catalog import (
    Database,
    append_track,
    get_playlist,
    hashed_track_id,
    hydrate_suggestions,
    remove_track,
    reorder_tracks,
)
from segue.errors import Conflict
from segue.follow import (
    FollowOptions,
    FollowResult,
    FollowStats,
    TrackRecord,
    Trust,
    apply_follow,
    decode,
    follow,
    network_url,
)

from .catalog_dump import dump
from .recording import LISTS, TRACKS, Recording, list_record, ref_of, track_record, uri_of
from .standin import JetstreamStandIn
from .test_follow import ALICE, BOB, CAROL

BLOB_CID = "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"


async def replay(events: list[dict[str, Any]], database: Database, **options: Any) -> FollowStats:
    async with JetstreamStandIn(events) as jetstream:
        return await follow(
            database,
            FollowOptions(
                urls=(jetstream.url,), once=True, idle_seconds=0.5, start_cursor=0, **options
            ),
        )


# -- 7c: URLs from the network -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "file:///etc/passwd",
        "//images.example.com/x.jpg",
        "/covers/1.jpg",  # a path here would be a path on Segue's own server
        'https://images.example.com/x.jpg"onerror="alert(1)',
        "https://images.example.com/x'.jpg",
        "https://images.example.com/<x>.jpg",
        "https://127.0.0.1/x.jpg",
        "http://10.0.0.8/x.jpg",
        "http://192.168.1.1:8080/x.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x.jpg",
        "http://[fe80::1]/x.jpg",
        "http://2130706433/x.jpg",  # 127.0.0.1, as a browser reads it
        "http://0x7f.1/x.jpg",
        "http://localhost/x.jpg",
        "http://printer.local/x.jpg",
        "http://metadata.google.internal/x",
        "http://intranet/x.jpg",
        "https://user:pw@images.example.com/x.jpg",
        "https://images.example.com:notaport/x.jpg",
        "ftp://images.example.com/x.jpg",
    ],
)
def test_a_url_from_the_network_that_could_harm_is_dropped_not_the_record(url: str) -> None:
    assert network_url(url) is None
    event = decode(
        Recording().commit(
            ALICE, TRACKS, "3lbtracka2222", "create", track_record("T", imageUrl=url, audioUrl=url)
        )
    )
    assert isinstance(event.change, TrackRecord), event.problem
    assert (event.change.image_url, event.change.audio_url) == (None, None)


def test_a_public_url_is_kept() -> None:
    for url in ("https://images.plyr.fm/c/1.jpg", "http://cdn.example.com:8080/a.mp3?x=1"):
        assert network_url(url) == url


# -- 7b: a record whose cid is not its own -----------------------------------------------


async def test_a_list_update_reusing_the_old_cid_is_malformed(database: Database) -> None:
    """Before: the update was applied under the old CID, so the cache served the old
    items' ranking for the new items."""
    rec = Recording()
    a = rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Aurora"))
    b = rec.commit(ALICE, TRACKS, "3lbtrackb2222", "create", track_record("Borealis"))
    first = rec.commit(BOB, LISTS, "3lbplaylist22", "create", list_record("L", [ref_of(a)]))
    forged = rec.commit(
        BOB, LISTS, "3lbplaylist22", "update", list_record("L", [ref_of(a), ref_of(b)])
    )
    forged["commit"]["cid"] = first["commit"]["cid"]
    stats = await replay(rec.events, database)
    assert stats.results == {"applied": 3, "malformed": 1}
    async with database.sessionmaker() as session:
        view = await get_playlist(session, "3lbplaylist22")
    assert view.record_cid == first["commit"]["cid"]
    assert list(view.track_ids) == [hashed_track_id(uri_of(a))]


# -- 7d: numbers the catalog cannot hold -------------------------------------------------


async def test_integers_past_64_bits_are_malformed_and_the_stream_goes_on(
    database: Database,
) -> None:
    """Before: the seq of a known account's event past 2**63 raised in the database,
    rolled the batch back and killed the follower at every restart."""
    rec = Recording()
    rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Aurora"))
    huge_seq = rec.account(ALICE, active=False, status="takendown")
    huge_seq["account"]["seq"] = 2**64
    huge_identity = rec.identity(ALICE, "alice.example.com")
    huge_identity["identity"]["seq"] = 2**70
    late = rec.commit(ALICE, TRACKS, "3lbtrackb2222", "create", track_record("Borealis"))
    huge_time = dict(late, time_us=2**64)
    huge_time["commit"] = dict(late["commit"], rkey="3lbtrackc2222")
    rec.events.insert(-1, huge_time)
    huge_field = rec.commit(ALICE, TRACKS, "3lbtrackd2222", "create", track_record("D"))
    huge_field["commit"]["record"]["duration"] = 2**64
    stats = await replay(rec.events, database)
    assert stats.results == {"applied": 2, "malformed": 4}
    rows = await dump(database)
    assert sorted(r["title"] for r in rows["tracks"]) == ["Aurora", "Borealis"]
    assert all(r["visible"] for r in rows["tracks"])  # the takedown with a bad seq: skipped
    # The bad time_us moved no cursor: it is the last good event's.
    assert rows["cursor"] == huge_field["time_us"] < 2**63


async def test_a_change_the_database_refuses_is_skipped_alone(database: Database) -> None:
    """Whatever slips past the checks: one change the database refuses is malformed, the
    others of its batch are applied (each in a savepoint), and the cursor is stored."""
    good = TrackRecord(
        f"at://{ALICE}/{TRACKS}/3lbtracka2222",
        ALICE,
        "3lbtrackrev22",
        BLOB_CID,
        5,
        "Good",
        None,
        None,
    )
    bad = TrackRecord(
        f"at://{ALICE}/{TRACKS}/3lbtrackb2222",
        ALICE,
        "3lbtrackrev22",
        BLOB_CID,
        2**64,
        "Bad",
        None,
        None,
    )
    results = await apply_follow(database, [bad, good], cursor=77)
    assert results == [FollowResult.MALFORMED, FollowResult.APPLIED]
    rows = await dump(database)
    assert [r["title"] for r in rows["tracks"]] == ["Good"]
    assert rows["cursor"] == 77


# -- 7e: one account filling the catalog -------------------------------------------------


async def test_lists_per_account_are_capped(database: Database) -> None:
    rec = Recording()
    never = (f"at://{CAROL}/{TRACKS}/3lbnevercomes", BLOB_CID)
    for i in range(5):
        rec.commit(BOB, LISTS, f"3lbplaylist{i}2", "create", list_record(f"L{i}", [never] * 3))
    stats = await replay(rec.events, database, max_lists_per_account=3)
    assert stats.results == {"applied": 3, "limited": 2}
    rows = await dump(database)
    assert len(rows["playlists"]) == 3
    assert len(rows["follow_list_items"]) == 9
    # An update of a list it holds is still applied.
    rec.commit(BOB, LISTS, "3lbplaylist02", "update", list_record("L0 again", [never]))
    again = await replay(rec.events, database, max_lists_per_account=3)
    assert again.results["applied"] == 1


async def test_waiting_items_expire(database: Database) -> None:
    rec = Recording()
    a = rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Aurora"))
    never = (f"at://{CAROL}/{TRACKS}/3lbnevercomes", BLOB_CID)
    playlist = rec.commit(
        BOB, LISTS, "3lbplaylist22", "create", list_record("L", [ref_of(a), never])
    )
    await replay(rec.events, database)
    assert len((await dump(database))["follow_list_items"]) == 2
    # Expiry runs with a batch: one not older than the playlist's version keeps them...
    await apply_follow(database, [], cursor=None, expire_waiting_before=playlist["time_us"])
    assert len((await dump(database))["follow_list_items"]) == 2
    # ...one past it drops the item still waiting, not the one that arrived.
    await apply_follow(database, [], cursor=None, expire_waiting_before=playlist["time_us"] + 1)
    rows = await dump(database)
    assert [r["uri"] for r in rows["follow_list_items"]] == [uri_of(a)]
    assert len(rows["playlist_items"]) == 1


# -- 7a: a followed playlist is its network record ---------------------------------------


async def test_a_followed_playlist_refuses_edits_and_keeps_its_cid_with_its_items(
    database: Database,
) -> None:
    """Before: an API edit stored Segue's CID; a later update of one of its tracks rebuilt
    the items from the record while the CID stayed the edit's, so the cache served a
    ranking computed for other items (suggesting a track already in the playlist)."""
    rec = Recording()
    a = rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Aurora"))
    b = rec.commit(ALICE, TRACKS, "3lbtrackb2222", "create", track_record("Borealis"))
    p = rec.commit(BOB, LISTS, "3lbplaylist22", "create", list_record("L", [ref_of(a)]))
    await replay(rec.events, database)
    ids = {name: hashed_track_id(uri_of(e)) for name, e in (("a", a), ("b", b))}
    async with database.sessionmaker() as session:
        for edit in (
            append_track(session, "3lbplaylist22", ids["b"], actor_did=BOB),
            remove_track(session, "3lbplaylist22", ids["a"], actor_did=BOB),
            reorder_tracks(session, "3lbplaylist22", [ids["a"]], actor_did=BOB),
        ):
            with pytest.raises(Conflict, match=f"at://{BOB}/{LISTS}/3lbplaylist22"):
                await edit
    # An update of its track arrives: the playlist is still exactly the record.
    rec.commit(ALICE, TRACKS, "3lbtracka2222", "update", track_record("Aurora (edit)"))
    await replay(rec.events, database)
    async with database.sessionmaker() as session:
        view = await get_playlist(session, "3lbplaylist22")
    assert view.record_cid == p["commit"]["cid"] == record_cid(p["commit"]["record"])
    assert list(view.track_ids) == [ids["a"]]


# -- 6: trust ----------------------------------------------------------------------------


def _blob() -> dict[str, Any]:
    return {"$type": "blob", "ref": {"$link": BLOB_CID}, "mimeType": "audio/mpeg", "size": 9}


async def test_audio_blobs_labels_and_gates(database: Database) -> None:
    rec = Recording()
    blob = rec.commit(
        ALICE, TRACKS, "3lbtrackblob2", "create", track_record("B", audioBlob=_blob())
    )
    labels = {"$type": "com.atproto.label.defs#selfLabels", "values": [{"val": "graphic-media"}]}
    labelled = rec.commit(
        ALICE, TRACKS, "3lbtracklabel", "create", track_record("L", labels=labels)
    )
    gated = rec.commit(
        ALICE, TRACKS, "3lbtrackgated", "create", track_record("G", supportGate={"type": "any"})
    )
    plain = rec.commit(ALICE, TRACKS, "3lbtrackplain", "create", track_record("P"))
    in_list = [ref_of(e) for e in (blob, labelled, gated, plain)]
    rec.commit(BOB, LISTS, "3lbplaylist22", "create", list_record("L", in_list))
    await replay(rec.events, database)
    rows = {r["title"]: r for r in (await dump(database))["tracks"]}
    assert (rows["B"]["audio_blob_did"], rows["B"]["audio_blob_cid"]) == (ALICE, BLOB_CID)
    assert (rows["P"]["audio_blob_did"], rows["P"]["audio_blob_cid"]) == (None, None)
    assert {t: r["suggestible"] for t, r in rows.items()} == {
        "B": True,
        "L": False,
        "G": False,
        "P": True,
    }
    # In the playlist all four, suggested never the labelled or gated ones.
    async with database.sessionmaker() as session:
        view = await get_playlist(session, "3lbplaylist22")
    assert len(view.tracks) == 4
    ids = [hashed_track_id(uri) for uri, _ in in_list]
    async with database.reading() as conn:
        suggested = await hydrate_suggestions(conn, ids, ids)
    assert [s.title for s in suggested] == ["B", "P"]
    # SEGUE_SUGGEST_GATED=true suggests the gated one; SEGUE_HIDE_LABELS decides the rest.
    event = decode(gated, trust=Trust(hide_labels=frozenset(), suggest_gated=True))
    assert isinstance(event.change, TrackRecord)
    assert event.change.suggestible
    event = decode(labelled, trust=Trust(hide_labels=frozenset({"porn"})))
    assert isinstance(event.change, TrackRecord)
    assert event.change.suggestible


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"fileType": None}, "fileType: missing"),
        ({"createdAt": None}, "createdAt: missing"),
        ({"createdAt": "yesterday"}, "createdAt: not an ATProto datetime"),
        ({"createdAt": "2999-01-01T00:00:00Z"}, "createdAt: in the future"),
        ({"audioBlob": {"$type": "blob", "ref": "x"}}, "audioBlob"),
        ({"audioBlob": {**_blob(), "mimeType": "image/png"}}, "audioBlob"),
        ({"labels": {"values": "!hide"}}, "labels"),
        ({"supportGate": "yes"}, "supportGate"),
    ],
)
def test_records_missing_what_the_lexicon_requires_are_malformed(
    change: dict[str, Any], problem: str
) -> None:
    record = track_record("T")
    for key, value in change.items():
        if value is None:
            del record[key]
        else:
            record[key] = value
    event = decode(Recording().commit(ALICE, TRACKS, "3lbtracka2222", "create", record))
    assert event.change is None
    assert problem in (event.problem or "")


def test_a_list_without_created_at_is_malformed() -> None:
    record = list_record("L", [])
    del record["createdAt"]
    event = decode(Recording().commit(BOB, LISTS, "3lbplaylist22", "create", record))
    assert event.change is None
    assert "createdAt: missing" in (event.problem or "")


def test_created_at_a_little_ahead_is_clock_skew_not_malformed() -> None:
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    event = decode(
        Recording().commit(
            ALICE, TRACKS, "3lbtracka2222", "create", track_record("T", createdAt=soon)
        )
    )
    assert isinstance(event.change, TrackRecord)
