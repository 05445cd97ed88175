"""Jetstream events (JSON objects, ``/subscribe`` wire) into catalog changes.

The shapes, as Jetstream sends them (its README; ``pkg/models`` in bluesky-social/jetstream)::

    {"did": "did:plc:...", "time_us": 1725911162329308, "kind": "commit",
     "commit": {"rev": "3l3qo2vutsw2b", "operation": "create", "collection": "fm.plyr.track",
                "rkey": "3l3qo2vuowo2b", "record": {...}, "cid": "bafyrei..."}}
    {"did": ..., "time_us": ..., "kind": "commit",
     "commit": {"rev": ..., "operation": "delete", "collection": ..., "rkey": ...}}
    {"did": ..., "time_us": ..., "kind": "account",
     "account": {"active": false, "did": ..., "seq": 1409753013, "status": "takendown",
                 "time": "2024-09-05T06:11:04.870Z"}}
    {"did": ..., "time_us": ..., "kind": "identity",
     "identity": {"did": ..., "handle": "alice.example.com", "seq": ..., "time": ...}}

    >>> event = decode({"did": "did:plc:a", "time_us": 5, "kind": "identity",
    ...                 "identity": {"did": "did:plc:a", "seq": 9}}, COLLECTIONS)
    >>> event.kind, event.change
    ('identity', IdentityChange(did='did:plc:a', seq=9, handle=None))
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Literal

from segue.atproto import (
    PLAYLIST_LIST_TYPE,
    Malformed,
    check_datetime,
    check_list_record,
    is_cid,
    is_did,
    is_tid,
    record_cid,
)
from segue.catalog import check_playlist_id, check_record_uri, clean_handle
from segue.errors import InvalidInput

from ._changes import (
    AccountChange,
    FollowChange,
    IdentityChange,
    PlaylistRecord,
    RecordDeletion,
    TrackRecord,
)
from ._records import check_not_future, playlist_name, track_fields

__all__ = [
    "COLLECTIONS",
    "DEFAULT_HIDE_LABELS",
    "HIDING_STATUSES",
    "TRUST",
    "UNPARSABLE",
    "Collections",
    "Event",
    "Trust",
    "decode",
    "event_time",
]

#: account statuses that hide the account's tracks and playlists (until it is active again)
HIDING_STATUSES = frozenset({"takendown", "suspended", "deleted", "deactivated"})
#: what the transport hands on for a frame that is not a JSON object
UNPARSABLE: dict[str, Any] = {"kind": "unparsable"}
_OPERATIONS = frozenset({"create", "update", "delete"})
# An account status is a short token; anything else (too long for its column, control
# characters) is no status: it hides nothing, and the event still orders the next.
_STATUS = re.compile(r"[a-zA-Z0-9_.-]{1,64}")
# The catalog stores time_us and seq as signed 64-bit integers; anything past them (or
# negative) is no time or sequence at all: the event is malformed, never a failed batch.
_INT64_MAX = 2**63 - 1
# A time_us ahead of this machine's clock by more than this is not a Jetstream's stamp: it
# would carry the cursor (never moved back) into the future and skip everything after it.
_FUTURE_US = 3600 * 1_000_000
#: ATProto's adult and graphic self-label values, and its two imperative ones
DEFAULT_HIDE_LABELS = frozenset(
    {"porn", "sexual", "nudity", "graphic-media", "gore", "!hide", "!warn"}
)


@dataclass(frozen=True, slots=True)
class Trust:
    """Which followed tracks are never suggested (they stay in the catalog and playlists):
    those carrying one of ``hide_labels``, and supporter-gated ones unless
    ``suggest_gated`` (``SEGUE_HIDE_LABELS``, ``SEGUE_SUGGEST_GATED``)."""

    hide_labels: frozenset[str] = DEFAULT_HIDE_LABELS
    suggest_gated: bool = False

    def suggestible(self, labels: frozenset[str], gated: bool) -> bool:
        return not (labels & self.hide_labels) and (self.suggest_gated or not gated)


TRUST = Trust()


@dataclass(frozen=True, slots=True)
class Collections:
    """The collections followed: tracks and playlists (a platform's own namespace)."""

    track: str = "fm.plyr.track"
    playlist: str = "fm.plyr.list"

    @property
    def wanted(self) -> tuple[str, ...]:
        return (self.track, self.playlist)


COLLECTIONS = Collections()


@dataclass(frozen=True, slots=True)
class Event:
    """One decoded event: its metric ``kind`` (track, playlist, account, identity, other),
    its ``time_us``, and the change to apply, or else why it is skipped (``problem``:
    malformed; neither: not for Segue)."""

    kind: str
    time_us: int | None
    change: FollowChange | None = None
    problem: str | None = None


def _int(value: Any) -> int | None:
    """A JSON integer the catalog can store (0 to 2**63 - 1), else ``None``."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _INT64_MAX:
        return value
    return None


def event_time(message: dict[str, Any], *, now_us: int | None = None) -> int | None:
    """The message's ``time_us`` if it can be one (an integer the catalog can store, not
    far in the future), else ``None``: such a stamp must move no cursor."""
    stamp = _int(message.get("time_us"))
    now = time.time_ns() // 1000 if now_us is None else now_us
    return stamp if stamp is not None and stamp <= now + _FUTURE_US else None


def decode(message: Any, collections: Collections = COLLECTIONS, trust: Trust = TRUST) -> Event:
    """The :class:`Event` of one Jetstream message (a decoded JSON value)."""
    if not isinstance(message, dict):
        return Event("other", None, problem="not a JSON object")
    time_us = event_time(message)
    kind = message.get("kind")
    did = message.get("did")
    if kind == UNPARSABLE["kind"]:
        return Event("other", None, problem="not a JSON object")
    if kind not in {"commit", "account", "identity"}:
        return Event("other", time_us)  # heartbeats and kinds added later
    if time_us is None or not isinstance(did, str) or not is_did(did):
        # A commit's kind (track or playlist) is its collection's, not read yet: other.
        label = "other" if kind == "commit" else str(kind)
        return Event(label, time_us, problem="no valid did and time_us")
    seq = _seq(message, kind)
    if seq is False:
        return Event(str(kind), time_us, problem=f"{kind}: seq out of range")
    if kind == "account":
        return _account(did, time_us, message.get("account"))
    if kind == "identity":
        return _identity(did, time_us, message.get("identity"))
    return _commit(did, time_us, message.get("commit"), collections, trust)


def _seq(message: dict[str, Any], kind: Any) -> int | bool | None:
    """An account or identity event's ``seq``: ``None`` when absent, ``False`` when it is
    there but no integer the catalog can store."""
    body = message.get(kind) if kind in {"account", "identity"} else None
    if not isinstance(body, dict) or body.get("seq") is None:
        return None
    seq = _int(body["seq"])
    return False if seq is None else seq


def _account(did: str, time_us: int, body: Any) -> Event:
    if not isinstance(body, dict) or not isinstance(body.get("active"), bool):
        return Event("account", time_us, problem="account: no active flag")
    status = body.get("status")
    status = status if isinstance(status, str) and _STATUS.fullmatch(status) else None
    active: bool = body["active"]
    hidden = False if active else (True if status in HIDING_STATUSES else None)
    # seq is the relay's, in order per account; time_us stands in where it is missing.
    seq = _int(body.get("seq"))
    change = AccountChange(did, time_us if seq is None else seq, active, status, hidden)
    return Event("account", time_us, change)


def _identity(did: str, time_us: int, body: Any) -> Event:
    if not isinstance(body, dict):
        return Event("identity", time_us, problem="identity: not an object")
    handle = body.get("handle")
    try:
        handle = clean_handle(handle) if isinstance(handle, str) else None
    except InvalidInput:
        handle = None  # an unusable handle is no handle: the event still orders the next
    seq = _int(body.get("seq"))
    return Event("identity", time_us, IdentityChange(did, time_us if seq is None else seq, handle))


def _commit(did: str, time_us: int, commit: Any, collections: Collections, trust: Trust) -> Event:
    if not isinstance(commit, dict):
        return Event("other", time_us, problem="commit: not an object")
    collection = commit.get("collection")
    if collection == collections.track:
        kind = "track"
    elif collection == collections.playlist:
        kind = "playlist"
    else:
        return Event("other", time_us)  # a collection not asked for
    operation, rkey, rev = commit.get("operation"), commit.get("rkey"), commit.get("rev")
    if operation not in _OPERATIONS or not isinstance(rkey, str):
        return Event(kind, time_us, problem="commit: no operation or rkey")
    if not isinstance(rev, str) or not is_tid(rev):
        # The catalog orders versions by comparing revs as strings: sound for TIDs only.
        return Event(kind, time_us, problem="commit: no rev")
    try:
        uri = check_record_uri(f"at://{did}/{collection}/{rkey}")
    except InvalidInput:
        return Event(kind, time_us, problem="commit: not a record AT-URI")
    if operation == "delete":
        target: Literal["track", "playlist"] = "track" if kind == "track" else "playlist"
        return Event(kind, time_us, RecordDeletion(uri, did, target, rev, time_us))
    cid = commit.get("cid")
    if not isinstance(cid, str) or not is_cid(cid):
        return Event(kind, time_us, problem="commit: no cid")
    record = commit.get("record")
    try:
        # The commit's cid is the cache key of a followed playlist and the strong reference
        # items pin: it must be the record's own, or a changed list under an old cid would
        # be served its old ranking.
        if isinstance(record, dict) and record_cid(record) != cid:
            raise Malformed("cid: not the CID of the record (DAG-CBOR, sha-256)")
    except RecursionError:
        return Event(kind, time_us, problem="record: nested too deep")
    except Malformed as exc:  # before InvalidInput, its base
        return Event(kind, time_us, problem=str(exc))
    except InvalidInput as exc:
        return Event(kind, time_us, problem=f"record: not encodable as DAG-CBOR: {exc.detail}")
    try:
        if kind == "track":
            f = track_fields(record)
            change: FollowChange = TrackRecord(
                uri,
                did,
                rev,
                cid,
                time_us,
                f.title,
                f.artist_name,
                f.image_url,
                f.audio_url,
                f.audio_blob_cid,
                trust.suggestible(f.labels, f.gated),
            )
        else:
            change = _playlist(uri, did, rev, cid, time_us, rkey, record)
    except Malformed as exc:
        return Event(kind, time_us, problem=str(exc))
    return Event(kind, time_us, change)


def _playlist(
    uri: str, did: str, rev: str, cid: str, time_us: int, rkey: str, record: Any
) -> FollowChange:
    list_type, items = check_list_record(record)
    check_not_future("createdAt", check_datetime(record, "createdAt"))
    if list_type is not None and list_type != PLAYLIST_LIST_TYPE:
        # An album or a likes list is not a playlist; one that was a playlist stops being one.
        return RecordDeletion(uri, did, "playlist", rev, time_us, only_if_known=True)
    try:
        playlist_id = check_playlist_id(rkey)
    except InvalidInput:
        raise Malformed("rkey: too long or not usable as a playlist id") from None
    return PlaylistRecord(uri, did, rev, cid, time_us, playlist_id, playlist_name(record), items)
