"""Followed records mapped to what the catalog stores, once their lexicon is checked
(:mod:`segue.atproto`).

Text the catalog cannot store (a control character, a lone surrogate) makes the record
:class:`~segue.atproto.Malformed`, as a lexicon failure does; an ``audioUrl`` the page
cannot play is no preview, not a fault.

    >>> track_fields({"title": "Song", "artist": "Alice"})
    TrackFields(title='Song', artist_name='Alice', image_url=None, audio_url=None)
"""

from __future__ import annotations

from typing import Any, NamedTuple

from segue.atproto import Malformed, check_track_record, list_record_name
from segue.catalog import check_audio_url, clean_display_name, clean_playlist_name, text_problem
from segue.errors import InvalidInput
from segue.limits import PLAYLIST_NAME_MAX_LENGTH

__all__ = ["UNTITLED", "TrackFields", "playlist_name", "track_fields"]

#: the name of a playlist whose record has none (the lexicon makes ``name`` optional)
UNTITLED = "Untitled playlist"


class TrackFields(NamedTuple):
    """What the catalog stores of a track record."""

    title: str
    artist_name: str | None
    image_url: str | None
    #: ``audioUrl`` when it is an http(s) URL the UI can play as a preview, else ``None``
    audio_url: str | None


def _storable(name: str, value: str | None) -> None:
    problem = text_problem(value) if value is not None else None
    if problem:
        raise Malformed(f"{name}: {problem}")


def track_fields(record: Any) -> TrackFields:
    """What the catalog stores of a track record, or :class:`~segue.atproto.Malformed`."""
    fields = check_track_record(record)
    _storable("title", fields.title)
    _storable("artist", fields.artist)
    try:
        artist_name = clean_display_name(fields.artist)
    except InvalidInput as exc:
        raise Malformed(f"artist: {exc.detail}") from None
    # album is checked though not stored (no column for it), as it always was.
    for name, value in (
        ("imageUrl", fields.image_url),
        ("audioUrl", fields.audio_url),
        ("album", fields.album),
    ):
        _storable(name, value)
    try:
        audio_url = check_audio_url(fields.audio_url)
    except InvalidInput:
        # The lexicon asks only for a string: a record whose audio lives elsewhere (a blob,
        # another scheme) is a valid track, just one without a preview the page can play.
        audio_url = None
    return TrackFields(fields.title.strip(), artist_name, fields.image_url, audio_url)


def playlist_name(record: dict[str, Any]) -> str:
    """The playlist's name: the record's, shortened to Segue's limit, or :data:`UNTITLED`."""
    name = list_record_name(record)
    _storable("name", name)
    if name is None or not name.strip():
        return UNTITLED
    # The lexicon allows 64 graphemes (up to 256 bytes): a long one is cut, not refused.
    words = " ".join(name.split())[:PLAYLIST_NAME_MAX_LENGTH]
    try:
        return clean_playlist_name(words)
    except InvalidInput as exc:
        raise Malformed(f"name: {exc.detail}") from None
