"""The catalog's value checks, one function each, and the services that use them: a value
PostgreSQL or the record's DAG-CBOR cannot hold is an InvalidInput, never a raw error."""

from __future__ import annotations

import pytest

from segue.catalog import (
    check_audio_url,
    check_playlist_id,
    check_track_id,
    clean_display_name,
    clean_handle,
    clean_playlist_name,
    create_playlist,
    ensure_user,
    get_user,
)
from segue.errors import InvalidInput, NotFound
from segue.limits import PLAYLIST_ID_MAX_LENGTH, PLAYLIST_NAME_MAX_LENGTH, TRACK_ID_MAX


def test_track_ids_stop_at_2_53_minus_1():
    assert check_track_id(0) == 0
    assert check_track_id(TRACK_ID_MAX) == TRACK_ID_MAX
    for bad in (-1, TRACK_ID_MAX + 1, 2**63 - 1):
        with pytest.raises(InvalidInput, match=r"out of range 0\.\.9007199254740991 \(2\*\*53"):
            check_track_id(bad)
    with pytest.raises(InvalidInput, match="integer"):
        check_track_id(True)


def test_playlist_ids():
    assert check_playlist_id("3kq2d7x4m5abc") == "3kq2d7x4m5abc"
    assert check_playlist_id("a" * PLAYLIST_ID_MAX_LENGTH)
    for bad in ("", ".", "..", "a b", "a" * (PLAYLIST_ID_MAX_LENGTH + 1), "a/b", 7):
        with pytest.raises(InvalidInput, match="not a playlist id"):
            check_playlist_id(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "empty"),
        (" \t\n ", "empty"),
        ("a\x00b", r"control character \(U\+0000\)"),
        ("a\x1bb", r"control character \(U\+001B\)"),
        ("a\ud800b", r"lone surrogate \(U\+D800\)"),
        ("n" * (PLAYLIST_NAME_MAX_LENGTH + 1), "longer than 200"),
    ],
)
def test_playlist_names_refused(name, says):
    with pytest.raises(InvalidInput, match=says):
        clean_playlist_name(name)


def test_playlist_names_cleaned():
    assert clean_playlist_name("  Late \t night\n") == "Late night"
    assert clean_playlist_name("Été 🎧") == "Été 🎧"


def test_display_names_and_handles():
    assert clean_display_name("  Alice ") == "Alice"
    assert clean_display_name("   ") is None
    assert clean_display_name(None) is None
    with pytest.raises(InvalidInput, match="lone surrogate"):
        clean_display_name("\udcff")  # what a non-UTF-8 byte in argv decodes to
    assert clean_handle(" Alice.Example.COM ") == "alice.example.com"
    with pytest.raises(InvalidInput, match="not a handle"):
        clean_handle("alice")


async def test_services_refuse_what_the_database_cannot_hold(database):
    """``segue token create --display-name`` with a byte that is not UTF-8 reaches
    ensure_user as a lone surrogate: before, PostgreSQL's driver failed on it."""
    async with database.sessionmaker() as s:
        with pytest.raises(InvalidInput, match="lone surrogate"):
            await ensure_user(s, "did:plc:alice", "alice.example.com", "Al\udcffice")
        with pytest.raises(InvalidInput, match="control character"):
            await ensure_user(s, "did:plc:alice", "alice.example.com", "Al\x00ice")
        with pytest.raises(NotFound):
            await get_user(s, "did:plc:alice")
        alice = await ensure_user(s, "did:plc:alice", " Alice.Example.com ", " Alice ")
        assert (alice.handle, alice.display_name) == ("alice.example.com", "Alice")
        with pytest.raises(InvalidInput, match="not a playlist id"):
            await create_playlist(s, alice.did, "Mine", playlist_id="x" * 65)
        with pytest.raises(InvalidInput, match="lone surrogate"):
            await create_playlist(s, alice.did, "Mi\ud800ne")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("https://cdn.example/p/1.mp3", "https://cdn.example/p/1.mp3"),
        (" http://127.0.0.1:8000/a.ogg\n", "http://127.0.0.1:8000/a.ogg"),
        ("HTTPS://CDN.example/x", "HTTPS://CDN.example/x"),
    ],
)
def test_audio_url_accepted(given, expected):
    assert check_audio_url(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "javascript:alert(1)",
        "data:audio/mp3;base64,AAAA",
        "file:///etc/passwd",
        "//cdn.example/a.mp3",
        "/demo/a.mp3",
        "ftp://cdn.example/a.mp3",
        "https://",
        "https:///path",
        "https://cdn.example/a b.mp3",
        "https://cdn.example/\x00.mp3",
        "https://cdn.example/" + "a" * 2048,
        12,
    ],
)
def test_audio_url_refused(given):
    with pytest.raises(InvalidInput, match="audio URL"):
        check_audio_url(given)
