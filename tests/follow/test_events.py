"""Jetstream messages into catalog changes: the lexicon checks, statuses and identities."""

from __future__ import annotations

from typing import Any

import pytest

from segue.follow import (
    UNTITLED,
    AccountChange,
    IdentityChange,
    PlaylistRecord,
    RecordDeletion,
    TrackRecord,
    decode,
)

from .recording import LISTS, TRACKS, Recording, list_record, track_record

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
REF = (
    f"at://{DID}/{TRACKS}/3lbtracka2222",
    "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi",
)


def commit(
    collection: str,
    record: dict[str, Any] | None,
    operation: str = "create",
    rkey: str = "3lbrecord2222",
) -> dict[str, Any]:
    return Recording().commit(DID, collection, rkey, operation, record)


def test_a_track_record() -> None:
    event = decode(
        commit(TRACKS, track_record("  Aurora ", "Alice", imageUrl="https://images.plyr.fm/x.jpg"))
    )
    assert event.kind == "track"
    assert isinstance(event.change, TrackRecord)
    assert (event.change.title, event.change.artist_name, event.change.image_url) == (
        "Aurora",
        "Alice",
        "https://images.plyr.fm/x.jpg",
    )
    assert event.change.uri == f"at://{DID}/{TRACKS}/3lbrecord2222"
    assert event.change.audio_url == "https://audio.plyr.fm/audio/3f9a.mp3"  # the preview


@pytest.mark.parametrize("audio", ["ftp://audio.example/a.mp3", "javascript:alert(1)", ""])
def test_an_audio_url_the_page_cannot_play_is_no_preview(audio: str) -> None:
    event = decode(commit(TRACKS, track_record("Aurora", audioUrl=audio)))
    assert isinstance(event.change, TrackRecord)  # still a track, without a preview
    assert event.change.audio_url is None


def test_no_audio_url_is_no_preview() -> None:
    record = track_record("Aurora")
    del record["audioUrl"]
    event = decode(commit(TRACKS, record))
    assert isinstance(event.change, TrackRecord)
    assert event.change.audio_url is None


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (track_record(None), "title: missing"),
        (track_record("T", artist=None), "artist: missing"),
        (track_record(7), "title: expected a string"),
        (track_record("a\x00b"), "control character"),
        (track_record("T", imageUrl=3), "imageUrl: expected a string"),
        (track_record("T", audioUrl=3), "audioUrl: expected a string"),
        (track_record("T", duration=-1), "duration"),
        (track_record("T", duration=True), "duration"),
        (track_record("T", album=["x"]), "album"),
        ("not an object", "not an object"),
    ],
)
def test_malformed_track_records(record: Any, problem: str) -> None:
    event = decode(commit(TRACKS, record))
    assert event.change is None
    assert problem in (event.problem or "")


def test_a_playlist_record() -> None:
    event = decode(
        commit(LISTS, list_record(None, [REF], listType=None) | {"listType": "playlist"})
    )
    assert isinstance(event.change, PlaylistRecord)
    assert event.change.playlist_id == "3lbrecord2222"
    assert event.change.name == UNTITLED
    assert [(r.uri, r.cid) for r in event.change.items] == [REF]
    named = decode(
        commit(LISTS, {k: v for k, v in list_record("x" * 300, [REF]).items() if k != "listType"})
    )
    assert isinstance(named.change, PlaylistRecord)  # listType absent: a playlist
    assert len(named.change.name) == 200  # cut to Segue's limit, not refused


@pytest.mark.parametrize(
    ("record", "rkey", "problem"),
    [
        (list_record("x", [REF] * 501), "3lbrecord2222", "items: 501"),
        ({"$type": LISTS, "name": "x"}, "3lbrecord2222", "items: missing"),
        (list_record("x", [(REF[0], "not a cid!")]), "3lbrecord2222", "items[0]"),
        (list_record("x", [("https://example.com", REF[1])]), "3lbrecord2222", "items[0]"),
        (list_record("x", [REF], listType=5), "3lbrecord2222", "listType"),
        (list_record("x", [REF]), "k" * 65, "rkey"),
    ],
)
def test_malformed_list_records(record: Any, rkey: str, problem: str) -> None:
    event = decode(commit(LISTS, record, rkey=rkey))
    assert event.change is None
    assert problem in (event.problem or "")


def test_an_album_is_not_a_playlist() -> None:
    event = decode(commit(LISTS, list_record("Album", [REF], listType="album")))
    assert isinstance(event.change, RecordDeletion)
    assert event.change.only_if_known


def test_deletes_heartbeats_and_garbage() -> None:
    deletion = decode(commit(TRACKS, None, operation="delete"))
    assert isinstance(deletion.change, RecordDeletion)
    assert deletion.change.kind == "track"
    assert decode({"kind": "heartbeat", "payload": ""}).problem is None
    assert decode({"kind": "unparsable"}).problem == "not a JSON object"
    no_rev = commit(TRACKS, track_record("T"))
    del no_rev["commit"]["rev"]
    assert decode(no_rev).problem == "commit: no rev"


@pytest.mark.parametrize(
    ("active", "status", "hidden"),
    [
        (True, None, False),
        (False, "takendown", True),
        (False, "suspended", True),
        (False, "deleted", True),
        (False, "deactivated", True),
        (False, "throttled", None),
    ],
)
def test_account_statuses(active: bool, status: str | None, hidden: bool | None) -> None:
    event = decode(Recording().account(DID, active=active, status=status))
    assert isinstance(event.change, AccountChange)
    assert event.change.hidden is hidden


def test_identities() -> None:
    event = decode(Recording().identity(DID, "Alice.Example.COM"))
    assert event.change == IdentityChange(DID, event.change.seq, "alice.example.com")  # type: ignore[union-attr]
    assert decode(Recording().identity(DID, None)).change.handle is None  # type: ignore[union-attr]
    assert decode(Recording().identity(DID, "not a handle")).change.handle is None  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["commit", "account", "identity"])
def test_an_event_without_a_did_is_counted_under_a_documented_kind(kind: str) -> None:
    """The ``kind`` label of segue_follow_events_total is track, playlist, account,
    identity or other (docs/atproto.md); a commit whose collection is unknown is other."""
    event = decode({"kind": kind, "did": "not a did", "time_us": 5, kind: {}})
    assert event.problem is not None
    assert event.kind in {"track", "playlist", "account", "identity", "other"}
