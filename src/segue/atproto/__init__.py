"""ATProto: DID resolution (PLC, did:web) and XRPC reads from PDSes and relays.

A leaf package: it imports nothing from Segue but :mod:`segue.errors` and
:mod:`segue.limits`. One :class:`HttpClient` is built by its owner (the app lifespan, a
CLI command), shared by a :class:`DidResolver` and an :class:`XrpcClient`, and closed by
that owner (docs/atproto.md, "DID resolution and XRPC reads").
"""

from ._did import DEFAULT_PLC_URL, DidDocument, DidResolver, parse_did_document
from ._http import DEFAULT_JSON_MAX_BYTES, HttpClient, ResponseStream, check_url
from ._keys import Curve, PublicKey, decode_multibase_key, encode_multibase_key
from ._xrpc import LatestCommit, RecordEntry, RecordPage, RepoPage, XrpcClient

__all__ = [
    "DEFAULT_JSON_MAX_BYTES",
    "DEFAULT_PLC_URL",
    "Curve",
    "DidDocument",
    "DidResolver",
    "HttpClient",
    "LatestCommit",
    "PublicKey",
    "RecordEntry",
    "RecordPage",
    "RepoPage",
    "ResponseStream",
    "XrpcClient",
    "check_url",
    "decode_multibase_key",
    "encode_multibase_key",
    "parse_did_document",
]
