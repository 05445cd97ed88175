"""ATProto, as Segue needs it: identifier syntax, DAG-CBOR and CIDs, record shapes, the
lexicon checks of track and list records, DID resolution (PLC, did:web), XRPC reads from
PDSes and relays, and the verification of service-auth JWTs.

A leaf: it imports nothing from Segue but :mod:`segue.errors` and :mod:`segue.limits`
(``tests/atproto/test_leaf.py`` holds it to that), so the catalog, ``segue follow``, the
embedding pipeline and the API can all build on it. One :class:`HttpClient` is built by its
owner (the app lifespan, a CLI command), shared by a :class:`DidResolver` and an
:class:`XrpcClient`, and closed by that owner. See docs/atproto.md.

    >>> is_did("did:plc:7iza6de2dwap2sbkpav7c6c6")
    True
    >>> record_cid({"$type": "fm.segue.playlist", "name": "x", "items": []})[:7]
    'bafyrei'

Names are imported on first use (module ``__getattr__``): the catalog checks a DID with
:func:`is_did` without loading the HTTP client, the keys and the JWT checks (issue 26).
The ``TYPE_CHECKING`` block names the same homes for type checkers;
``tests/catalog/test_lazy_packages.py`` holds the two to each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from segue._lazy import lazy_names

if TYPE_CHECKING:
    from ._addresses import is_public_address
    from ._dagcbor import cid_for_dag_cbor, encode_record, record_cid
    from ._did import DEFAULT_PLC_URL, DidDocument, DidResolver, parse_did_document
    from ._http import (
        DEFAULT_JSON_MAX_BYTES,
        HttpClient,
        ResponseStream,
        check_url,
        send_classified,
    )
    from ._keys import Curve, PublicKey, decode_multibase_key, encode_multibase_key, is_low_s
    from ._lexicon import (
        LIST_MAX_ITEMS,
        PLAYLIST_LIST_TYPE,
        Malformed,
        TrackRecordFields,
        check_datetime,
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
    from ._service_auth import (
        CLOCK_SKEW_SECONDS,
        MAX_LIFETIME_SECONDS,
        SERVICE_AUTH_ALGORITHMS,
        ServiceAuthVerifier,
        ServiceToken,
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
    from ._xrpc import LatestCommit, RecordEntry, RecordPage, RepoPage, XrpcClient

# Each public name and the module it lives in, imported on first use.
_HOMES: dict[str, str] = {
    "cid_for_dag_cbor": "._dagcbor",
    "encode_record": "._dagcbor",
    "is_public_address": "._addresses",
    "record_cid": "._dagcbor",
    "DEFAULT_PLC_URL": "._did",
    "DidDocument": "._did",
    "DidResolver": "._did",
    "parse_did_document": "._did",
    "DEFAULT_JSON_MAX_BYTES": "._http",
    "HttpClient": "._http",
    "ResponseStream": "._http",
    "check_url": "._http",
    "send_classified": "._http",
    "Curve": "._keys",
    "PublicKey": "._keys",
    "decode_multibase_key": "._keys",
    "encode_multibase_key": "._keys",
    "is_low_s": "._keys",
    "LIST_MAX_ITEMS": "._lexicon",
    "Malformed": "._lexicon",
    "PLAYLIST_LIST_TYPE": "._lexicon",
    "TrackRecordFields": "._lexicon",
    "check_datetime": "._lexicon",
    "check_list_record": "._lexicon",
    "check_track_record": "._lexicon",
    "list_record_name": "._lexicon",
    "PLAYLIST_RECORD_TYPE": "._record",
    "STAND_IN_TRACK_TYPE": "._record",
    "StrongRef": "._record",
    "TrackItem": "._record",
    "items_record_cid": "._record",
    "playlist_record": "._record",
    "playlist_record_cid": "._record",
    "track_ref": "._record",
    "CLOCK_SKEW_SECONDS": "._service_auth",
    "MAX_LIFETIME_SECONDS": "._service_auth",
    "SERVICE_AUTH_ALGORITHMS": "._service_auth",
    "ServiceAuthVerifier": "._service_auth",
    "ServiceToken": "._service_auth",
    "is_at_uri": "._syntax",
    "is_cid": "._syntax",
    "is_did": "._syntax",
    "is_handle": "._syntax",
    "is_nsid": "._syntax",
    "is_record_key": "._syntax",
    "is_record_uri": "._syntax",
    "is_tid": "._syntax",
    "LatestCommit": "._xrpc",
    "RecordEntry": "._xrpc",
    "RecordPage": "._xrpc",
    "RepoPage": "._xrpc",
    "XrpcClient": "._xrpc",
}

__all__ = [
    "CLOCK_SKEW_SECONDS",
    "DEFAULT_JSON_MAX_BYTES",
    "DEFAULT_PLC_URL",
    "LIST_MAX_ITEMS",
    "MAX_LIFETIME_SECONDS",
    "PLAYLIST_LIST_TYPE",
    "PLAYLIST_RECORD_TYPE",
    "SERVICE_AUTH_ALGORITHMS",
    "STAND_IN_TRACK_TYPE",
    "Curve",
    "DidDocument",
    "DidResolver",
    "HttpClient",
    "LatestCommit",
    "Malformed",
    "PublicKey",
    "RecordEntry",
    "RecordPage",
    "RepoPage",
    "ResponseStream",
    "ServiceAuthVerifier",
    "ServiceToken",
    "StrongRef",
    "TrackItem",
    "TrackRecordFields",
    "XrpcClient",
    "check_datetime",
    "check_list_record",
    "check_track_record",
    "check_url",
    "cid_for_dag_cbor",
    "decode_multibase_key",
    "encode_multibase_key",
    "encode_record",
    "is_at_uri",
    "is_cid",
    "is_did",
    "is_handle",
    "is_low_s",
    "is_nsid",
    "is_public_address",
    "is_record_key",
    "is_record_uri",
    "is_tid",
    "items_record_cid",
    "list_record_name",
    "parse_did_document",
    "playlist_record",
    "playlist_record_cid",
    "record_cid",
    "send_classified",
    "track_ref",
]

__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
