"""Followed records mapped to what the catalog stores, once their lexicon is checked
(:mod:`segue.atproto`).

Text the catalog cannot store (a control character, a lone surrogate) makes the record
:class:`~segue.atproto.Malformed`, as a lexicon failure does, and so does a ``createdAt``
more than a day ahead of this machine's clock. An ``imageUrl`` or ``audioUrl`` that fails
the network checks (:func:`network_url`) is dropped, not the record.

    >>> track_fields({"title": "Song", "artist": "Alice", "fileType": "mp3",
    ...               "createdAt": "2025-12-02T00:00:00Z"})
    TrackFields(title='Song', artist_name='Alice', image_url=None, audio_url=None, \
audio_blob_cid=None, labels=frozenset(), gated=False)
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, NamedTuple

from segue.atproto import Malformed, check_track_record, list_record_name
from segue.catalog import clean_display_name, clean_playlist_name, text_problem
from segue.errors import InvalidInput
from segue.limits import PLAYLIST_NAME_MAX_LENGTH

from ._urls import network_url

__all__ = [
    "FUTURE_SLACK_SECONDS",
    "UNTITLED",
    "TrackFields",
    "check_not_future",
    "playlist_name",
    "track_fields",
]

#: how far ahead of this machine's clock a record's ``createdAt`` may be (clock skew)
FUTURE_SLACK_SECONDS = 24 * 3600

#: the name of a playlist whose record has none (the lexicon makes ``name`` optional)
UNTITLED = "Untitled playlist"


class TrackFields(NamedTuple):
    """What the catalog stores of a track record."""

    title: str
    artist_name: str | None
    #: ``imageUrl`` when it passes :func:`network_url`, else ``None``
    image_url: str | None
    #: ``audioUrl`` when it passes :func:`network_url` (served and fetched only from
    #: ``SEGUE_AUDIO_ORIGINS``), else ``None``
    audio_url: str | None
    #: the CID of ``audioBlob`` (a blob in the record's own repo): the canonical audio
    audio_blob_cid: str | None = None
    #: the record's self-label values
    labels: frozenset[str] = frozenset()
    #: whether it is supporter-gated (``supportGate``)
    gated: bool = False


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
    check_not_future("createdAt", fields.created_at)
    # The lexicon asks only for strings: a URL Segue will not store (another scheme, a
    # private host) leaves a valid track without a cover or a preview.
    return TrackFields(
        fields.title.strip(),
        artist_name,
        network_url(fields.image_url),
        network_url(fields.audio_url),
        fields.audio_blob_cid,
        fields.labels,
        fields.gated,
    )


def check_not_future(name: str, moment: datetime | None, *, now: float | None = None) -> None:
    """A record's date must not be more than a day ahead of this machine's clock."""
    if moment is not None and moment.timestamp() > (
        (time.time() if now is None else now) + FUTURE_SLACK_SECONDS
    ):
        raise Malformed(f"{name}: in the future: {moment.isoformat()}")


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
