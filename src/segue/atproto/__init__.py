"""ATProto, as Segue needs it: identifier syntax, DAG-CBOR and CIDs, record shapes, and the
lexicon checks of track and list records.

A leaf: it imports nothing from Segue but :mod:`segue.errors` and :mod:`segue.limits`
(``tests/atproto/test_leaf.py`` holds it to that), so the catalog, ``segue follow`` and the
imports can all build on it. See docs/atproto.md.

    >>> is_did("did:plc:7iza6de2dwap2sbkpav7c6c6")
    True
    >>> record_cid({"$type": "fm.segue.playlist", "name": "x", "items": []})[:7]
    'bafyrei'
"""

from ._dagcbor import cid_for_dag_cbor, encode_record, record_cid
from ._lexicon import (
    LIST_MAX_ITEMS,
    PLAYLIST_LIST_TYPE,
    Malformed,
    TrackRecordFields,
    check_list_record,
    check_track_record,
    list_record_name,
)
from ._record import (
    PLAYLIST_RECORD_TYPE,
    STAND_IN_TRACK_TYPE,
    StrongRef,
    TrackItem,
    items_record_cid,
    playlist_record,
    playlist_record_cid,
    track_ref,
)
from ._syntax import (
    is_at_uri,
    is_cid,
    is_did,
    is_handle,
    is_nsid,
    is_record_key,
    is_record_uri,
    is_tid,
)

__all__ = [
    "LIST_MAX_ITEMS",
    "PLAYLIST_LIST_TYPE",
    "PLAYLIST_RECORD_TYPE",
    "STAND_IN_TRACK_TYPE",
    "Malformed",
    "StrongRef",
    "TrackItem",
    "TrackRecordFields",
    "check_list_record",
    "check_track_record",
    "cid_for_dag_cbor",
    "encode_record",
    "is_at_uri",
    "is_cid",
    "is_did",
    "is_handle",
    "is_nsid",
    "is_record_key",
    "is_record_uri",
    "is_tid",
    "items_record_cid",
    "list_record_name",
    "playlist_record",
    "playlist_record_cid",
    "record_cid",
    "track_ref",
]
