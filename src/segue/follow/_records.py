"""Records checked against their lexicons and mapped to what the catalog stores.

A track record (``fm.plyr.track``): ``title``, ``artist``, ``fileType`` and ``createdAt``
are required (plyr.fm's lexicon); ``imageUrl``, ``audioUrl``, ``audioBlob``, ``album``,
``duration``, ``labels`` and ``supportGate`` are optional, and checked when present. A list
record (``fm.plyr.list``): ``items`` and ``createdAt`` are required, at most 500 strong
references (``{"subject": {"uri", "cid"}}``); ``listType`` absent or ``playlist`` makes it a
playlist. A ``createdAt`` more than a day ahead of this machine's clock is refused too.
Anything else is a :class:`Malformed` record: skipped and counted, never a crash. A URL
that fails :func:`network_url` is dropped, not the record.

    >>> track_fields({"title": "Song", "artist": "Alice", "fileType": "mp3",
    ...               "createdAt": "2025-12-02T00:00:00Z"})
    TrackFields(title='Song', artist_name='Alice', image_url=None, audio_url=None, \
audio_blob_cid=None, labels=frozenset(), gated=False)
    >>> track_fields({"artist": "Alice"})
    Traceback (most recent call last):
    ...
    segue.follow._records.Malformed: title: missing
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any, NamedTuple

from segue.catalog import (
    StrongRef,
    check_record_uri,
    clean_display_name,
    clean_playlist_name,
    is_cid,
    text_problem,
)
from segue.errors import InvalidInput
from segue.limits import PLAYLIST_NAME_MAX_LENGTH, TITLE_MAX_LENGTH, URL_MAX_LENGTH

from ._urls import network_url

__all__ = [
    "LIST_MAX_ITEMS",
    "PLAYLIST_LIST_TYPE",
    "UNTITLED",
    "Malformed",
    "TrackFields",
    "check_created_at",
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
_OPTIONAL_TEXT = ("album", "description")
#: how far ahead of this machine's clock a record's ``createdAt`` may be (clock skew)
FUTURE_SLACK_SECONDS = 24 * 3600
# ATProto's datetime format: RFC 3339 with a time zone (Z or an offset), seconds required.
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")
_FILE_TYPE_MAX = 16  # the lexicon's maxLength
_LABELS_MAX = 32  # com.atproto.label.defs#selfLabels: at most 10; a little slack
_LABEL_VALUE_MAX = 128


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
    #: the record's self-label values (``labels``: ``com.atproto.label.defs#selfLabels``)
    labels: frozenset[str] = frozenset()
    #: whether it is supporter-gated (``supportGate``)
    gated: bool = False


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
    # The lexicon asks only for strings: a URL Segue will not store (another scheme, a
    # private host) leaves a valid track without a cover or a preview.
    image_url = network_url(_text(record, "imageUrl", required=False, limit=URL_MAX_LENGTH))
    audio_url = network_url(_text(record, "audioUrl", required=False, limit=URL_MAX_LENGTH))
    for name in _OPTIONAL_TEXT:
        _text(record, name, required=False, limit=5 * URL_MAX_LENGTH)
    file_type = _text(record, "fileType", required=True, limit=_FILE_TYPE_MAX)
    assert file_type is not None
    check_created_at(record)
    duration = record.get("duration")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or duration < 0
    ):
        raise Malformed(f"duration: expected a non-negative integer, got {duration!r}"[:120])
    assert title is not None
    return TrackFields(
        title.strip(),
        artist_name,
        image_url,
        audio_url,
        _blob_cid(record.get("audioBlob")),
        _labels(record.get("labels")),
        _gated(record.get("supportGate")),
    )


def check_created_at(record: dict[str, Any], *, now: float | None = None) -> None:
    """``createdAt``: required, an ATProto datetime, not more than a day in the future."""
    value = _text(record, "createdAt", required=True, limit=64)
    assert value is not None
    if _DATETIME.fullmatch(value) is None:
        raise Malformed(f"createdAt: not an ATProto datetime: {value[:40]!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Malformed(f"createdAt: not a date: {value[:40]!r}") from None
    if moment.timestamp() > (time.time() if now is None else now) + FUTURE_SLACK_SECONDS:
        raise Malformed(f"createdAt: in the future: {value[:40]!r}")


def _blob_cid(blob: Any) -> str | None:
    """The CID of a blob (``{"$type": "blob", "ref": {"$link": cid}, "mimeType", "size"}``)."""
    if blob is None:
        return None
    ref = blob.get("ref") if isinstance(blob, dict) else None
    link = ref.get("$link") if isinstance(ref, dict) else None
    if not isinstance(link, str) or not is_cid(link) or blob.get("$type") != "blob":
        raise Malformed("audioBlob: expected a blob {$type: blob, ref: {$link: cid}}")
    mime = blob.get("mimeType")
    if not isinstance(mime, str) or not mime.startswith("audio/"):
        raise Malformed("audioBlob: the lexicon accepts audio/* only")
    return link


def _labels(labels: Any) -> frozenset[str]:
    """The values of a ``com.atproto.label.defs#selfLabels`` (``{values: [{val}]}``)."""
    if labels is None:
        return frozenset()
    values = labels.get("values") if isinstance(labels, dict) else None
    if not isinstance(values, list) or len(values) > _LABELS_MAX:
        raise Malformed("labels: expected {values: [{val}]}")
    found = set()
    for item in values:
        val = item.get("val") if isinstance(item, dict) else None
        if not isinstance(val, str) or not 0 < len(val) <= _LABEL_VALUE_MAX:
            raise Malformed("labels: expected {values: [{val}]}")
        found.add(val)
    return frozenset(found)


def _gated(gate: Any) -> bool:
    if gate is None:
        return False
    if not isinstance(gate, dict) or not isinstance(gate.get("type"), str):
        raise Malformed("supportGate: expected {type}")
    return True


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
    check_created_at(record)
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
