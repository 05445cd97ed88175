"""The playlist as an ATProto record, and its CID.

The record is what a PDS would store for the playlist::

    {"$type": "fm.segue.playlist",
     "name": "Late night",
     "items": [{"subject": {"uri": "at://did:plc:.../fm.segue.track/3k...", "cid": "bafyrei..."}},
               ...]}

Each item is a strong reference (``com.atproto.repo.strongRef``: uri + cid) to a track
record, in playlist order. Its CID is therefore a fingerprint of the name and the exact
ordered items: it changes whenever a track is added, removed or moved, and only then,
which is what lets the recommendation cache key on it.

Tracks imported without an ATProto record get a deterministic stand-in reference:
``at://<artist did>/fm.segue.track/<track id>`` and the CID of the stand-in record
``{"$type": "fm.segue.track", "id": <track id>}``. A reference pins the track as it was
when the playlist was last written, as strong references do in ATProto.

    >>> ref = track_ref(7, "did:plc:artist", uri=None, cid=None)
    >>> ref.uri
    'at://did:plc:artist/fm.segue.track/7'
    >>> playlist_record_cid("Late night", [ref])[:7]
    'bafyrei'

Every record CID the catalog stores is computed by :func:`items_record_cid`, from the
playlist's name and its items' ``(track id, artist DID, uri, cid)`` rows in order: the
API's edits and the imports cannot disagree on it.

    >>> items_record_cid("Late night", [(7, "did:plc:artist", None, None)])[:7]
    'bafyrei'
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from ._dagcbor import record_cid

__all__ = [
    "PLAYLIST_RECORD_TYPE",
    "STAND_IN_TRACK_TYPE",
    "StrongRef",
    "TrackItem",
    "items_record_cid",
    "playlist_record",
    "playlist_record_cid",
    "track_ref",
]

PLAYLIST_RECORD_TYPE = "fm.segue.playlist"
STAND_IN_TRACK_TYPE = "fm.segue.track"

#: One item as the catalog stores it: (track id, artist DID, record uri, record cid).
TrackItem = tuple[int, str, str | None, str | None]


@dataclass(frozen=True, slots=True)
class StrongRef:
    """A reference to one version of a record: its AT-URI and its CID."""

    uri: str
    cid: str


def track_ref(track_id: int, artist_did: str, *, uri: str | None, cid: str | None) -> StrongRef:
    """The track's own strong reference, or its stand-in when it has no record (uri + cid)."""
    if uri and cid:
        return StrongRef(uri, cid)
    return StrongRef(
        uri=f"at://{artist_did}/{STAND_IN_TRACK_TYPE}/{track_id}",
        cid=record_cid({"$type": STAND_IN_TRACK_TYPE, "id": track_id}),
    )


def playlist_record(name: str, items: Iterable[StrongRef]) -> dict[str, Any]:
    """The playlist's record in ATProto JSON form."""
    return {
        "$type": PLAYLIST_RECORD_TYPE,
        "name": name,
        "items": [{"subject": {"uri": ref.uri, "cid": ref.cid}} for ref in items],
    }


def playlist_record_cid(name: str, items: Iterable[StrongRef]) -> str:
    """The CID of the playlist's record: DAG-CBOR, sha-256, CIDv1, base32 ``bafyrei...``."""
    return record_cid(playlist_record(name, items))


def items_record_cid(
    name: str, items: Iterable[TrackItem], *, refs: MutableMapping[int, StrongRef] | None = None
) -> str:
    """The record CID of a playlist named ``name`` holding ``items`` in this order.

    ``refs`` memoizes each track's reference across calls (an import computes thousands
    of playlists over the same tracks; a stand-in reference costs a hash).
    """
    memo: MutableMapping[int, StrongRef] = {} if refs is None else refs
    strong: list[StrongRef] = []
    for track_id, artist_did, uri, cid in items:
        ref = memo.get(track_id)
        if ref is None:
            ref = memo[track_id] = track_ref(track_id, artist_did, uri=uri, cid=cid)
        strong.append(ref)
    return playlist_record_cid(name, strong)
