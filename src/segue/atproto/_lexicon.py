"""Records checked against their lexicons: tracks (``fm.plyr.track``) and lists (``fm.plyr.list``).

A track record: ``title``, ``artist``, ``fileType`` (1 to 16 characters) and ``createdAt``
(an ATProto datetime) are required; ``imageUrl``, ``audioUrl``, ``album`` and
``description`` are optional strings, ``duration`` an optional non-negative integer,
``audioBlob`` an optional blob of ``audio/*``, ``labels`` optional self-labels
(``com.atproto.label.defs#selfLabels``) and ``supportGate`` an optional ``{type}``. A list
record: ``items`` and ``createdAt`` are required, at most 500 strong references
(``{"subject": {"uri", "cid"}}``, each a record AT-URI and a CID); ``listType`` and ``name``
are optional strings. Strings are
bounded by Segue's limits (:mod:`segue.limits`). A record that breaks its lexicon raises
:class:`Malformed`, naming the field and how; what Segue makes of the values (names it can
store, previews it can play) is decided by whoever stores them (``segue.follow``).

    >>> check_track_record({"title": "Song", "artist": "Alice", "fileType": "mp3",
    ...                     "createdAt": "2025-12-02T00:00:00Z"}).title
    'Song'
    >>> check_track_record({"artist": "Alice"})
    Traceback (most recent call last):
    ...
    segue.atproto._lexicon.Malformed: title: missing
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NamedTuple

from segue.errors import InvalidInput
from segue.limits import PLAYLIST_NAME_MAX_LENGTH, TITLE_MAX_LENGTH, URL_MAX_LENGTH

from ._record import StrongRef
from ._syntax import is_cid, is_record_uri

__all__ = [
    "LIST_MAX_ITEMS",
    "PLAYLIST_LIST_TYPE",
    "Malformed",
    "TrackRecordFields",
    "check_datetime",
    "check_list_record",
    "check_track_record",
    "list_record_name",
]

#: the lexicon's ``maxLength`` of ``items``
LIST_MAX_ITEMS = 500
#: the ``listType`` of a playlist (absent means a playlist too)
PLAYLIST_LIST_TYPE = "playlist"
# The lexicon allows 64 graphemes (up to 256 bytes); a longer name is cut by whoever stores
# it, so only a name far past any real one is refused here.
_LIST_NAME_MAX = 10 * PLAYLIST_NAME_MAX_LENGTH
_FILE_TYPE_MAX = 16  # the lexicon's maxLength
_DESCRIPTION_MAX = 5000
_LABELS_MAX = 32  # selfLabels allows 10; a little slack
_LABEL_VALUE_MAX = 128  # com.atproto.label.defs#selfLabel: val maxLength
# ATProto's datetime format: RFC 3339 with a time zone (Z or an offset), seconds required.
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


class TrackRecordFields(NamedTuple):
    """A track record's fields as the record has them (``None`` when absent), checked."""

    title: str
    artist: str
    image_url: str | None
    audio_url: str | None
    album: str | None
    file_type: str = ""
    #: ``createdAt`` as a time
    created_at: datetime | None = None
    #: the CID of ``audioBlob`` (a blob in the record's repo), when present
    audio_blob_cid: str | None = None
    #: the values of ``labels`` (self-labels)
    labels: frozenset[str] = frozenset()
    #: whether ``supportGate`` is set
    gated: bool = False


class Malformed(InvalidInput):
    """A record that breaks its lexicon; the message says which field and how."""

    error = "malformed_record"


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
    return value


def check_track_record(record: Any) -> TrackRecordFields:
    """A track record's fields, or :class:`Malformed`."""
    if not isinstance(record, dict):
        raise Malformed("the record is not an object")
    title = _text(record, "title", required=True, limit=TITLE_MAX_LENGTH)
    artist = _text(record, "artist", required=True, limit=URL_MAX_LENGTH)
    image_url = _text(record, "imageUrl", required=False, limit=URL_MAX_LENGTH)
    audio_url = _text(record, "audioUrl", required=False, limit=URL_MAX_LENGTH)
    album = _text(record, "album", required=False, limit=URL_MAX_LENGTH)
    _text(record, "description", required=False, limit=_DESCRIPTION_MAX)
    file_type = _text(record, "fileType", required=True, limit=_FILE_TYPE_MAX)
    created_at = check_datetime(record, "createdAt")
    duration = record.get("duration")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or duration < 0
    ):
        raise Malformed(f"duration: expected a non-negative integer, got {duration!r}"[:120])
    # Required: _text raised rather than return None.
    assert title is not None
    assert artist is not None
    assert file_type is not None
    return TrackRecordFields(
        title,
        artist,
        image_url,
        audio_url,
        album,
        file_type,
        created_at,
        _blob_cid(record.get("audioBlob")),
        _labels(record.get("labels")),
        _gated(record.get("supportGate")),
    )


def check_datetime(record: dict[str, Any], name: str) -> datetime:
    """A required ATProto datetime field (RFC 3339 with a time zone), or :class:`Malformed`."""
    value = _text(record, name, required=True, limit=64)
    assert value is not None
    if _DATETIME.fullmatch(value) is None:
        raise Malformed(f"{name}: not an ATProto datetime: {value[:40]!r}")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Malformed(f"{name}: not a date: {value[:40]!r}") from None


def _blob_cid(blob: Any) -> str | None:
    """The CID of a blob (``{"$type": "blob", "ref": {"$link": cid}, "mimeType", "size"}``)
    of ``audio/*`` (the lexicon's ``accept``)."""
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


def check_list_record(record: Any) -> tuple[str | None, tuple[StrongRef, ...]]:
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
    check_datetime(record, "createdAt")
    if len(items) > LIST_MAX_ITEMS:
        raise Malformed(f"items: {len(items)} of them, the lexicon allows {LIST_MAX_ITEMS}")
    refs: list[StrongRef] = []
    for i, item in enumerate(items):
        subject = item.get("subject") if isinstance(item, dict) else None
        uri = subject.get("uri") if isinstance(subject, dict) else None
        cid = subject.get("cid") if isinstance(subject, dict) else None
        if not isinstance(uri, str) or not isinstance(cid, str) or not is_cid(cid):
            raise Malformed(f"items[{i}]: expected {{subject: {{uri, cid}}}}")
        if not is_record_uri(uri):
            raise Malformed(f"items[{i}]: not a record AT-URI")
        refs.append(StrongRef(uri, cid))
    return list_type, tuple(refs)


def list_record_name(record: dict[str, Any]) -> str | None:
    """A list record's ``name`` as the record has it, ``None`` when absent, or
    :class:`Malformed`."""
    return _text(record, "name", required=False, limit=_LIST_NAME_MAX)
