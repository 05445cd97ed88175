"""Track and list records against their lexicons, and the identifier checks they use."""

from __future__ import annotations

from typing import Any

import pytest

from segue.atproto import (
    LIST_MAX_ITEMS,
    Malformed,
    StrongRef,
    TrackRecordFields,
    check_list_record,
    check_track_record,
    is_record_key,
    is_record_uri,
    is_tid,
    list_record_name,
)
from segue.errors import InvalidInput
from segue.limits import RECORD_URI_MAX_LENGTH, TITLE_MAX_LENGTH

URI = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/fm.plyr.track/3lbtracka2222"
CID = "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"


# What plyr.fm's lexicons require beside the fields under test.
TRACK = {"fileType": "mp3", "createdAt": "2025-12-02T00:00:00.000Z"}
LIST = {"createdAt": "2025-12-02T00:00:00Z"}


def item(uri: Any = URI, cid: Any = CID) -> dict[str, Any]:
    return {"subject": {"uri": uri, "cid": cid}}


def test_a_track_record_keeps_its_fields_as_given() -> None:
    record = {"title": " Song ", "artist": "Alice", "imageUrl": "x", "album": "A", "duration": 0}
    fields = check_track_record({**record, **TRACK})
    assert fields[:6] == TrackRecordFields(" Song ", "Alice", "x", None, "A", "mp3")[:6]
    assert fields.created_at is not None
    assert fields.created_at.isoformat() == "2025-12-02T00:00:00+00:00"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ([], "the record is not an object"),
        ({"artist": "A", **TRACK}, "title: missing"),
        ({"title": "  ", "artist": "A", **TRACK}, "title: empty"),
        ({"title": 3, "artist": "A", **TRACK}, "title: expected a string, got int"),
        ({"title": "x" * (TITLE_MAX_LENGTH + 1), "artist": "A", **TRACK}, "title: longer than"),
        ({"title": "T", **TRACK}, "artist: missing"),
        ({"title": "T", "artist": "A", "audioUrl": 3, **TRACK}, "audioUrl: expected a string"),
        ({"title": "T", "artist": "A", "album": ["x"], **TRACK}, "album: expected a string"),
        ({"title": "T", "artist": "A", "duration": -1, **TRACK}, "duration"),
        ({"title": "T", "artist": "A", "duration": True, **TRACK}, "duration"),
        ({"title": "T", "artist": "A", "duration": 1.5, **TRACK}, "duration"),
    ],
)
def test_a_track_record_breaking_its_lexicon_is_malformed(record: Any, message: str) -> None:
    with pytest.raises(Malformed, match=message):
        check_track_record(record)


def test_malformed_is_part_of_the_one_exception_tree() -> None:
    assert issubclass(Malformed, InvalidInput)


def test_a_list_record() -> None:
    assert check_list_record({"items": [item()], **LIST}) == (None, (StrongRef(URI, CID),))
    assert check_list_record({"items": [], "listType": "album", **LIST}) == ("album", ())


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("x", "not an object"),
        ({}, "items: missing"),
        ({"items": {}, **LIST}, "items: expected an array"),
        (
            {"items": [item()] * (LIST_MAX_ITEMS + 1), **LIST},
            f"items: {LIST_MAX_ITEMS + 1} of them",
        ),
        ({"items": [item(), "x"], **LIST}, r"items\[1\]: expected"),
        ({"items": [item(cid="not a cid!")], **LIST}, r"items\[0\]: expected"),
        (
            {"items": [item(uri="https://example.com/x")], **LIST},
            r"items\[0\]: not a record AT-URI",
        ),
        ({"items": [], "listType": 5, **LIST}, "listType: expected a string"),
    ],
)
def test_a_list_record_breaking_its_lexicon_is_malformed(record: Any, message: str) -> None:
    with pytest.raises(Malformed, match=message):
        check_list_record(record)


def test_a_list_records_name() -> None:
    assert list_record_name({"name": "Mix"}) == "Mix"
    assert list_record_name({}) is None
    with pytest.raises(Malformed, match="name: expected a string"):
        list_record_name({"name": 3})
    with pytest.raises(Malformed, match="name: longer than"):
        list_record_name({"name": "x" * 100_000})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3lbrev0000001", False),  # 0 and 1 are not base32-sortable
        ("3lbrevaaaaaaa", True),
        ("3lbrevaaaaaa", False),  # 12 characters
        ("klbrevaaaaaaa", False),  # the first character's high bit is 0
        ("3LBREVAAAAAAA", False),
    ],
)
def test_tid(text: str, expected: bool) -> None:
    assert is_tid(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3lbtracka2222", True),
        ("self", True),
        ("a:b~c_d.e-f", True),
        (".", False),
        ("..", False),
        ("", False),
        ("a/b", False),
        ("k" * 512, True),
        ("k" * 513, False),
    ],
)
def test_record_key(text: str, expected: bool) -> None:
    assert is_record_key(text) is expected


def test_record_uri() -> None:
    assert is_record_uri(URI)
    assert not is_record_uri("at://alice.example.com/fm.plyr.track/3lbtracka2222")  # a handle
    assert not is_record_uri("at://did:plc:abc/fm.plyr.track")  # no record key
    assert not is_record_uri(URI + "/extra")
    # A long DID (a record key stops at 512): at the limit, then one past it.
    rest = "/fm.plyr.track/3lbtracka2222"
    did_length = RECORD_URI_MAX_LENGTH - len("at://") - len(rest)
    assert is_record_uri(f"at://did:web:{'a' * (did_length - 8)}{rest}")
    assert not is_record_uri(f"at://did:web:{'a' * (did_length - 7)}{rest}")
