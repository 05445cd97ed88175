"""Records checked against their lexicons and mapped to what the catalog stores.

A track record (``fm.plyr.track``): ``title`` and ``artist`` are required; ``imageUrl``,
``audioUrl``, ``album`` and ``duration`` are optional, and checked when present. A list
record (``fm.plyr.list``): ``items`` is required, at most 500 strong references
(``{"subject": {"uri", "cid"}}``); ``listType`` absent or ``playlist`` makes it a playlist.
Anything else is a :class:`Malformed` record: skipped and counted, never a crash.

    >>> track_fields({"title": "Song", "artist": "Alice"})
    TrackFields(title='Song', artist_name='Alice', image_url=None, audio_url=None)
    >>> track_fields({"artist": "Alice"})
    Traceback (most recent call last):
    ...
    segue.follow._records.Malformed: title: missing
"""

from __future__ import annotations

from typing import Any, NamedTuple

from segue.catalog import (
    StrongRef,
    check_audio_url,
    check_record_uri,
    clean_display_name,
    clean_playlist_name,
    is_cid,
    text_problem,
)
from segue.errors import InvalidInput
from segue.limits import PLAYLIST_NAME_MAX_LENGTH, TITLE_MAX_LENGTH, URL_MAX_LENGTH

__all__ = [
    "LIST_MAX_ITEMS",
    "PLAYLIST_LIST_TYPE",
    "UNTITLED",
    "Malformed",
    "TrackFields",
    "list_fields",
    "playlist_name",
    "track_fields",
]

#: the lexicon's ``maxLength`` of ``items``
LIST_MAX_ITEMS = 500
PLAYLIST_LIST_TYPE = "playlist"
#: the name of a playlist whose record has none (the lexicon makes ``name`` optional)
UNTITLED = "Untitled playlist"
# Optional fields of a track record Segue checks but does not store (no columns for them).
_OPTIONAL_TEXT = ("album",)


class TrackFields(NamedTuple):
    """What the catalog stores of a track record."""

    title: str
    artist_name: str | None
    image_url: str | None
    #: ``audioUrl`` when it is an http(s) URL the UI can play as a preview, else ``None``
    audio_url: str | None


class Malformed(Exception):
    """A record that breaks its lexicon; the message says which field and how."""


def _text(record: dict[str, Any], name: str, *, required: bool, limit: int) -> str | None:
    value = record.get(name)
    if value is None:
        if required:
            raise Malformed(f"{name}: missing")
        return None
    if not isinstance(value, str):
        raise Malformed(f"{name}: expected a string, got {type(value).__name__}")
    if required and not value.strip():
        raise Malformed(f"{name}: empty")
    if len(value) > limit:
        raise Malformed(f"{name}: longer than {limit} characters")
    problem = text_problem(value)
    if problem:
        raise Malformed(f"{name}: {problem}")
    return value


def track_fields(record: Any) -> TrackFields:
    """What the catalog stores of a track record, or :class:`Malformed`."""
    if not isinstance(record, dict):
        raise Malformed("the record is not an object")
    title = _text(record, "title", required=True, limit=TITLE_MAX_LENGTH)
    artist = _text(record, "artist", required=True, limit=URL_MAX_LENGTH)
    try:
        artist_name = clean_display_name(artist)
    except InvalidInput as exc:
        raise Malformed(f"artist: {exc.detail}") from None
    image_url = _text(record, "imageUrl", required=False, limit=URL_MAX_LENGTH)
    audio = _text(record, "audioUrl", required=False, limit=URL_MAX_LENGTH)
    try:
        audio_url = check_audio_url(audio)
    except InvalidInput:
        # The lexicon asks only for a string: a record whose audio lives elsewhere (a blob,
        # another scheme) is a valid track, just one without a preview the page can play.
        audio_url = None
    for name in _OPTIONAL_TEXT:
        _text(record, name, required=False, limit=URL_MAX_LENGTH)
    duration = record.get("duration")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or duration < 0
    ):
        raise Malformed(f"duration: expected a non-negative integer, got {duration!r}"[:120])
    assert title is not None
    return TrackFields(title.strip(), artist_name, image_url, audio_url)


def list_fields(record: Any) -> tuple[str | None, tuple[StrongRef, ...]]:
    """(list type, items) of a list record, or :class:`Malformed`; the type is ``None``
    when absent."""
    if not isinstance(record, dict):
        raise Malformed("the record is not an object")
    list_type = record.get("listType")
    if list_type is not None and not isinstance(list_type, str):
        raise Malformed(f"listType: expected a string, got {type(list_type).__name__}")
    items = record.get("items")
    if not isinstance(items, list):
        raise Malformed("items: missing" if items is None else "items: expected an array")
    if len(items) > LIST_MAX_ITEMS:
        raise Malformed(f"items: {len(items)} of them, the lexicon allows {LIST_MAX_ITEMS}")
    refs: list[StrongRef] = []
    for i, item in enumerate(items):
        subject = item.get("subject") if isinstance(item, dict) else None
        uri = subject.get("uri") if isinstance(subject, dict) else None
        cid = subject.get("cid") if isinstance(subject, dict) else None
        if not isinstance(uri, str) or not isinstance(cid, str) or not is_cid(cid):
            raise Malformed(f"items[{i}]: expected {{subject: {{uri, cid}}}}")
        try:
            refs.append(StrongRef(check_record_uri(uri), cid))
        except InvalidInput:
            raise Malformed(f"items[{i}]: not a record AT-URI") from None
    return list_type, tuple(refs)


def playlist_name(record: dict[str, Any]) -> str:
    """The playlist's name: the record's, shortened to Segue's limit, or :data:`UNTITLED`."""
    name = _text(record, "name", required=False, limit=10 * PLAYLIST_NAME_MAX_LENGTH)
    if name is None or not name.strip():
        return UNTITLED
    # The lexicon allows 64 graphemes (up to 256 bytes): a long one is cut, not refused.
    words = " ".join(name.split())[:PLAYLIST_NAME_MAX_LENGTH]
    try:
        return clean_playlist_name(words)
    except InvalidInput as exc:
        raise Malformed(f"name: {exc.detail}") from None
