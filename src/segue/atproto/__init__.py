"""ATProto: DID resolution (PLC, did:web), XRPC reads from PDSes and relays, and the
verification of service-auth JWTs.

A leaf package: it imports nothing from Segue but :mod:`segue.errors` and
:mod:`segue.limits`. One :class:`HttpClient` is built by its owner (the app lifespan, a
CLI command), shared by a :class:`DidResolver` and an :class:`XrpcClient`, and closed by
that owner (docs/atproto.md, "DID resolution and XRPC reads").
"""

from ._did import DEFAULT_PLC_URL, DidDocument, DidResolver, parse_did_document
from ._http import DEFAULT_JSON_MAX_BYTES, HttpClient, ResponseStream, check_url
from ._keys import Curve, PublicKey, decode_multibase_key, encode_multibase_key, is_low_s
from ._service_auth import (
    CLOCK_SKEW_SECONDS,
    MAX_LIFETIME_SECONDS,
    SERVICE_AUTH_ALGORITHMS,
    ServiceAuthVerifier,
    ServiceToken,
)
from ._xrpc import LatestCommit, RecordEntry, RecordPage, RepoPage, XrpcClient

__all__ = [
    "CLOCK_SKEW_SECONDS",
    "DEFAULT_JSON_MAX_BYTES",
    "DEFAULT_PLC_URL",
    "MAX_LIFETIME_SECONDS",
    "SERVICE_AUTH_ALGORITHMS",
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
    "ServiceAuthVerifier",
    "ServiceToken",
    "XrpcClient",
    "check_url",
    "decode_multibase_key",
    "encode_multibase_key",
    "is_low_s",
    "parse_did_document",
]
