"""Jetstream events as the real service sends them, built for the tests.

The shapes are Jetstream's `/subscribe` wire (its README's examples and `pkg/models`:
`Event{did, time_us, kind, commit|account|identity}`, `Commit{rev, operation, collection,
rkey, record, cid}`, account and identity as com.atproto.sync.subscribeRepos#account and
#identity), and the records follow plyr.fm's lexicons (lexicons/track.json, list.json).
Revs are real TIDs and CIDs the records' real CIDs (DAG-CBOR, sha-256).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from segue.atproto import record_cid
from segue.errors import InvalidInput

TRACKS = "fm.plyr.track"
LISTS = "fm.plyr.list"
_B32 = "234567abcdefghijklmnopqrstuvwxyz"  # ATProto's base32-sortable alphabet
# An hour ago, on a whole second: within what a Jetstream keeps (SEGUE_JETSTREAM_RETENTION_HOURS),
# so resuming a recording is not a gap; tests of gaps place their events further back.
START_US = (time.time_ns() // 1_000_000_000 - 3600) * 1_000_000


def tid(time_us: int, clock: int = 7) -> str:
    """A TID: 53 bits of microseconds and 10 of clock id, 13 characters of base32-sortable."""
    value = (time_us << 10) | clock
    return "".join(_B32[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def track_record(title: object, artist: object = "Alice", **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "$type": TRACKS,
        "audioUrl": "https://audio.plyr.fm/audio/3f9a.mp3",
        "fileType": "mp3",
        "createdAt": "2025-12-02T00:00:00.000Z",
        "duration": 181,
    }
    if title is not None:
        record["title"] = title
    if artist is not None:
        record["artist"] = artist
    record.update(extra)
    return record


def list_record(name: str | None, refs: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "$type": LISTS,
        "listType": "playlist",
        "items": [{"subject": {"uri": uri, "cid": cid}} for uri, cid in refs],
        "createdAt": "2025-12-02T00:00:00.000Z",
    }
    if name is not None:
        record["name"] = name
    record.update(extra)
    return record


@dataclass
class Recording:
    """A stream of events in time order, ``step_us`` apart."""

    step_us: int = 100_000
    events: list[dict[str, Any]] = field(default_factory=list)
    now: int = START_US
    seq: int = 1_409_752_997

    def _next(self) -> int:
        self.now += self.step_us
        return self.now

    def commit(
        self,
        did: str,
        collection: str,
        rkey: str,
        operation: str,
        record: Any = None,
        *,
        rev: str | None = None,
    ) -> dict[str, Any]:
        time_us = self._next()
        commit: dict[str, Any] = {
            "rev": rev or tid(time_us),
            "operation": operation,
            "collection": collection,
            "rkey": rkey,
        }
        if record is not None:
            commit["record"] = record
            # A record that is not an object has no CID of its own: a placeholder stands in.
            commit["cid"] = _cid(record)
        event = {"did": did, "time_us": time_us, "kind": "commit", "commit": commit}
        self.events.append(event)
        return event

    def account(self, did: str, *, active: bool, status: str | None = None) -> dict[str, Any]:
        time_us = self._next()
        self.seq += 1
        body: dict[str, Any] = {"active": active, "did": did, "seq": self.seq, "time": _iso()}
        if status is not None:
            body["status"] = status
        event = {"did": did, "time_us": time_us, "kind": "account", "account": body}
        self.events.append(event)
        return event

    def identity(self, did: str, handle: str | None) -> dict[str, Any]:
        time_us = self._next()
        self.seq += 1
        body: dict[str, Any] = {"did": did, "seq": self.seq, "time": _iso()}
        if handle is not None:
            body["handle"] = handle
        event = {"did": did, "time_us": time_us, "kind": "identity", "identity": body}
        self.events.append(event)
        return event

    def again(self, event: dict[str, Any]) -> dict[str, Any]:
        """The same event delivered once more (at least once delivery)."""
        self.events.append(event)
        return event


def uri_of(event: dict[str, Any]) -> str:
    commit = event["commit"]
    return f"at://{event['did']}/{commit['collection']}/{commit['rkey']}"


def ref_of(event: dict[str, Any]) -> tuple[str, str]:
    return uri_of(event), event["commit"]["cid"]


def _cid(record: Any) -> str:
    """The record's CID; a record that is not an object or not encodable as DAG-CBOR has
    none of its own: a placeholder stands in."""
    try:
        return record_cid(record) if isinstance(record, dict) else _PLACEHOLDER_CID
    except InvalidInput:
        return _PLACEHOLDER_CID


_PLACEHOLDER_CID = "bafyrei" + "a" * 52


def _iso() -> str:
    return "2025-12-02T00:00:00.000Z"
