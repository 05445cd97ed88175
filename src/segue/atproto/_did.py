"""DID resolution: ``did:plc`` from a PLC directory, ``did:web`` from its host.

A document is checked before it is used (its ``id`` is the DID asked for; it names an
``#atproto`` signing key and an ``#atproto_pds`` service) and kept for ``cache_seconds``;
``resolve(did, fresh=True)`` fetches it again, for a key that may have rotated.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from segue.errors import DidNotFound, InvalidDidDocument, InvalidInput, RemoteError

from ._http import HttpClient, _is_loopback, remote_text
from ._keys import LEGACY_TYPES, PublicKey, decode_multibase_key

__all__ = ["DEFAULT_PLC_URL", "DidDocument", "DidResolver", "parse_did_document"]

DEFAULT_PLC_URL: Final = "https://plc.directory"

_PLC = re.compile(r"did:plc:[a-z2-7]{24}")
# did:web as ATProto allows it: a host name, optionally with a %3A-encoded port, no path
_WEB = re.compile(r"did:web:([a-zA-Z0-9.-]+(?:%3[aA][0-9]{1,5})?)")
_HANDLE = re.compile(
    r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
)


@dataclass(frozen=True)
class DidDocument:
    """What Segue uses of a DID document.

    ``handle`` is the first ``at://`` entry of ``alsoKnownAs`` (lower-cased; ``None`` when
    there is none or it is not a valid handle; not verified against the handle's DNS or
    well-known record). ``pds`` is the ``#atproto_pds`` service's endpoint,
    ``signing_key`` the ``#atproto`` verification method, ``raw`` the whole document.
    """

    did: str
    pds: str
    signing_key: PublicKey
    handle: str | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)


def _fragment_matches(entry_id: object, did: str, fragment: str) -> bool:
    return entry_id in (fragment, did + fragment)


def _handle(document: Mapping[str, Any]) -> str | None:
    aka = document.get("alsoKnownAs")
    if not isinstance(aka, list):
        return None
    for entry in aka:
        if isinstance(entry, str) and entry.startswith("at://"):
            handle = entry.removeprefix("at://").lower()
            return handle if len(handle) <= 253 and _HANDLE.fullmatch(handle) else None
    return None


def _pds(document: Mapping[str, Any], did: str) -> str:
    services = document.get("service")
    for service in services if isinstance(services, list) else []:
        if (
            isinstance(service, dict)
            and _fragment_matches(service.get("id"), did, "#atproto_pds")
            and service.get("type") == "AtprotoPersonalDataServer"
        ):
            endpoint = service.get("serviceEndpoint")
            if not isinstance(endpoint, str):
                raise InvalidDidDocument(f"{did}: #atproto_pds endpoint is not a string")
            parts = urlsplit(endpoint)
            if parts.scheme not in ("https", "http") or not parts.hostname:
                raise InvalidDidDocument(f"{did}: #atproto_pds endpoint is not an http(s) URL")
            return endpoint.rstrip("/")
    raise InvalidDidDocument(f"{did}: no #atproto_pds service of type AtprotoPersonalDataServer")


def _signing_key(document: Mapping[str, Any], did: str) -> PublicKey:
    methods = document.get("verificationMethod")
    for method in methods if isinstance(methods, list) else []:
        if isinstance(method, dict) and _fragment_matches(method.get("id"), did, "#atproto"):
            value = method.get("publicKeyMultibase")
            if not isinstance(value, str):
                raise InvalidDidDocument(f"{did}: #atproto key has no publicKeyMultibase")
            kind = method.get("type")
            if kind == "Multikey":
                return decode_multibase_key(value)
            if isinstance(kind, str) and kind in LEGACY_TYPES:
                return decode_multibase_key(value, legacy_curve=LEGACY_TYPES[kind])
            raise InvalidDidDocument(
                f"{did}: #atproto key of unknown type {remote_text(str(kind))!r}"
            )
    raise InvalidDidDocument(f"{did}: no #atproto verification method")


def parse_did_document(did: str, document: object) -> DidDocument:
    """Check ``document`` for ``did`` and keep what Segue uses of it."""
    if not isinstance(document, dict):
        raise InvalidDidDocument(f"{did}: the DID document is not a JSON object")
    if document.get("id") != did:
        raise InvalidDidDocument(
            f"{did}: the document's id is {remote_text(str(document.get('id')))!r}"
        )
    return DidDocument(
        did=did,
        pds=_pds(document, did),
        signing_key=_signing_key(document, did),
        handle=_handle(document),
        raw=document,
    )


class DidResolver:
    """Resolves DIDs to checked :class:`DidDocument`, with a TTL cache.

    ``plc_url`` is the PLC directory (``SEGUE_PLC_URL``); ``cache_seconds`` how long a
    document is reused (``SEGUE_DID_CACHE_SECONDS``); ``max_entries`` bounds the cache
    (the oldest entry leaves first). ``clock`` is for tests.
    """

    def __init__(
        self,
        http: HttpClient,
        *,
        plc_url: str = DEFAULT_PLC_URL,
        cache_seconds: float = 3600.0,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._plc = plc_url.rstrip("/")
        self._ttl = cache_seconds
        self._max = max_entries
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, DidDocument]] = OrderedDict()

    def document_url(self, did: str) -> str:
        """Where ``did``'s document is read; :class:`InvalidInput` for an unsupported DID."""
        if _PLC.fullmatch(did):
            return f"{self._plc}/{did}"
        match = _WEB.fullmatch(did)
        if match:
            host = unquote(match.group(1))
            # did:web is https by its spec; a loopback host (a test's stand-in) is served
            # over http, which only an HttpClient built with allow_loopback=True fetches
            # (Segue's own refuse the URL, so a did:web on loopback is never read)
            scheme = "http" if _is_loopback(host.rsplit(":", 1)[0]) else "https"
            return f"{scheme}://{host}/.well-known/did.json"
        raise InvalidInput(f"not a did:plc or did:web DID Segue can resolve: {did!r}")

    def forget(self, did: str) -> None:
        """Drop ``did`` from the cache."""
        self._cache.pop(did, None)

    async def resolve(self, did: str, *, fresh: bool = False) -> DidDocument:
        """``did``'s checked document, from the cache unless ``fresh`` or expired.

        :class:`DidNotFound` when the directory does not know it (404, or 410 for a
        tombstoned did:plc); :class:`InvalidDidDocument` when unusable;
        :class:`~segue.errors.AtprotoUnavailable` when the directory cannot be reached.
        """
        now = self._clock()
        if not fresh:
            cached = self._cache.get(did)
            if cached is not None and cached[0] > now:
                return cached[1]
        url = self.document_url(did)
        try:
            body = await self._http.get_json(url)
        except RemoteError as e:
            if e.status in (404, 410):
                raise DidNotFound(f"{did}: not found (HTTP {e.status})") from e
            raise
        document = parse_did_document(did, body)
        self._cache[did] = (now + self._ttl, document)
        self._cache.move_to_end(did)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return document
