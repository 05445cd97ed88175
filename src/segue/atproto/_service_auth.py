"""ATProto inter-service auth: the JWTs a PDS issues (``com.atproto.server.getServiceAuth``)
for its account to call another service, verified as feed generators verify them.

A token is ``header.payload.signature``, signed with the account's ``#atproto`` key
(``ES256K`` for secp256k1, ``ES256`` for P-256); ``iss`` is the account's DID, ``aud`` the
service's DID (optionally with a ``#`` service fragment), ``exp`` a few minutes ahead, and
``lxm``, when present, the one method it may call. PyJWT parses the token, refuses every
algorithm but the key's (``none`` included), checks the signature with ``cryptography`` and
the times with the skew allowed; ATProto's own rules are added here: low-S signatures only,
the audience, the lifetime cap, the key from the DID document (fetched again once when a
signature fails, for a key that rotated).

    >>> verifier = ServiceAuthVerifier(  # doctest: +SKIP
    ...     resolver, service_did="did:web:segue.example.com"
    ... )
    >>> token = await verifier.verify(jwt_text)  # doctest: +SKIP
    >>> token.did, token.allows("fm.segue.getRecommendations")  # doctest: +SKIP
    ('did:plc:...', True)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import jwt

from segue.errors import (
    AtprotoUnavailable,
    DidNotFound,
    InvalidDidDocument,
    InvalidInput,
    RemoteError,
    Unauthorized,
)

from ._did import DidDocument, DidResolver
from ._http import remote_text
from ._keys import PublicKey, is_low_s

__all__ = [
    "CLOCK_SKEW_SECONDS",
    "MAX_LIFETIME_SECONDS",
    "SERVICE_AUTH_ALGORITHMS",
    "ServiceAuthVerifier",
    "ServiceToken",
]

#: the longest a token may live (``exp - iat``, or ``exp`` from now): a leaked token is
#: worth minutes, which is what a PDS issues them for (60 s by default)
MAX_LIFETIME_SECONDS: Final = 300
#: how far the issuer's clock may be from ours, either way
CLOCK_SKEW_SECONDS: Final = 30
#: the algorithms of ATProto's two key types; anything else (``none``, ``HS256``...) is refused
SERVICE_AUTH_ALGORITHMS: Final = ("ES256K", "ES256")
# A signature that fails against a freshly fetched document does not fetch it again for
# this long: a stream of forged tokens for one DID costs its directory one request in it.
_REFETCH_INTERVAL_SECONDS: Final = 10.0


@dataclass(frozen=True, slots=True)
class ServiceToken:
    """A verified service-auth token: who sent it (``did``), until when it holds
    (``expires_at``, unix seconds) and the one method it may call (``lxm``; ``None``: any)."""

    did: str
    expires_at: float
    lxm: str | None = None
    #: the handle the DID document claims (``alsoKnownAs``; not verified), if any
    handle: str | None = None

    def allows(self, method: str | None) -> bool:
        """True when the token may call ``method`` (an NSID): it names no method, or this one."""
        return self.lxm is None or self.lxm == method


def _refuse(why: str) -> Unauthorized:
    return Unauthorized(f"service-auth token refused: {why}")


class ServiceAuthVerifier:
    """Verifies service-auth JWTs addressed to ``service_did``; keys come from ``resolver``.

    ``clock`` gives unix seconds (for tests); ``monotonic`` times the refetch interval.
    Nothing is cached here besides the resolver's documents: the API remembers a verified
    token until it expires.
    """

    def __init__(
        self,
        resolver: DidResolver,
        *,
        service_did: str,
        skew_seconds: float = CLOCK_SKEW_SECONDS,
        max_lifetime_seconds: float = MAX_LIFETIME_SECONDS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._resolver = resolver
        self.service_did = service_did
        self._skew = skew_seconds
        self._max_lifetime = max_lifetime_seconds
        self._clock = clock
        self._monotonic = monotonic
        # DID -> when its document was last fetched again after a failed signature
        self._refetched: dict[str, float] = {}

    async def verify(self, token: str) -> ServiceToken:
        """The token's issuer, expiry and method; :class:`Unauthorized` when it is refused.

        The claims are checked before any key is fetched, so a malformed, expired or
        misaddressed token costs no request to a DID directory. An issuer whose document is
        on a host Segue refuses (a did:web on loopback, or a name resolving to a
        non-public address) is refused the same, with no connection made; so is a did:web
        issuer whose host fails (does not resolve or answer, redirects, errs, sends no
        JSON). The PLC directory (did:plc) that cannot be reached is
        :class:`~segue.errors.AtprotoUnavailable` (503), not a refusal.
        """
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise _refuse(f"not a JWT ({remote_text(str(exc))})") from exc
        alg = header.get("alg")
        if alg not in SERVICE_AUTH_ALGORITHMS:
            raise _refuse(
                f"algorithm {remote_text(str(alg))!r} is not accepted (ES256K or ES256 only)"
            )
        did = self._check_claims(claims)
        document = await self._document(did, fresh=False)
        if self._signed_by(token, document.signing_key):
            return self._token(claims, document)
        # Perhaps the account rotated its key since the document was cached: fetch it once.
        now = self._monotonic()
        last = self._refetched.get(did)
        if last is None or now - last >= _REFETCH_INTERVAL_SECONDS:
            self._refetched[did] = now
            if len(self._refetched) > 10_000:  # bounded: forget the oldest
                self._refetched.pop(next(iter(self._refetched)))
            fresh = await self._document(did, fresh=True)
            if fresh.signing_key.multibase != document.signing_key.multibase and self._signed_by(
                token, fresh.signing_key
            ):
                return self._token(claims, fresh)
        raise _refuse("the signature does not match the DID document's #atproto key")

    def _check_claims(self, claims: dict[str, Any]) -> str:
        """The issuer's DID, once ``aud``, ``exp``, the lifetime and ``lxm`` are well-formed."""
        iss = claims.get("iss")
        if not isinstance(iss, str) or not iss.startswith("did:") or "#" in iss:
            raise _refuse("iss is not an account's DID")
        aud = claims.get("aud")
        if not isinstance(aud, str) or aud.split("#", 1)[0] != self.service_did:
            raise _refuse(f"aud is not this service ({self.service_did})")
        if "#" in aud and not aud.split("#", 1)[1]:
            raise _refuse("aud has an empty service fragment")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int) or isinstance(exp, bool):
            raise _refuse("exp is missing or not an integer")
        now = self._clock()
        if exp <= now - self._skew:
            raise _refuse("it has expired")
        if exp > now + self._max_lifetime + self._skew:
            raise _refuse(f"it lives longer than {int(self._max_lifetime)} s")
        if iat is not None:
            if not isinstance(iat, int) or isinstance(iat, bool):
                raise _refuse("iat is not an integer")
            if iat > now + self._skew:
                raise _refuse("it was issued in the future")
            if exp - iat > self._max_lifetime:
                raise _refuse(f"it lives longer than {int(self._max_lifetime)} s")
        lxm = claims.get("lxm")
        if lxm is not None and not isinstance(lxm, str):
            raise _refuse("lxm is not a string")
        return iss

    def _token(self, claims: dict[str, Any], document: DidDocument) -> ServiceToken:
        return ServiceToken(
            did=claims["iss"],
            expires_at=float(claims["exp"]),
            lxm=claims.get("lxm"),
            handle=document.handle,
        )

    async def _document(self, did: str, *, fresh: bool) -> DidDocument:
        try:
            return await self._resolver.resolve(did, fresh=fresh)
        except DidNotFound as exc:
            raise _refuse(f"the DID {did} is not known to its directory") from exc
        except InvalidDidDocument as exc:
            raise _refuse(f"the DID document of {did} has no usable #atproto key") from exc
        # A DID method Segue does not resolve, or a document on a host it refuses (a
        # did:web on loopback): refused before any request, as any other bad token is, so
        # the answer says nothing of what listens there.
        except InvalidInput as exc:
            raise _refuse(f"the DID document of {did} is not read: {exc.detail}") from exc
        # A did:web document lives on a host the token's sender chose: that host failing
        # (a redirect, a 403, not JSON, no such name, no answer) says nothing of Segue's
        # health, so the token is refused like any other, never a 502/503 with a WARNING
        # anyone could cause. A did:plc one comes from the operator's PLC directory, whose
        # outage is Segue's and stays a 503.
        except (RemoteError, AtprotoUnavailable) as exc:
            if not did.startswith("did:web:"):
                raise
            raise _refuse(f"the DID document of {did} is not read: {exc.detail}") from exc

    def _signed_by(self, token: str, key: PublicKey) -> bool:
        """PyJWT's check of the signature with ``key``, for the key's own algorithm only,
        and ATProto's low-S rule (a high-S signature is the same one, malleated)."""
        try:
            decoded = jwt.api_jwt.decode_complete(
                token,
                key.key,
                algorithms=[key.jwt_alg],
                leeway=self._skew,
                # the claims were checked already (and aud is ATProto's, with a fragment)
                options={"verify_aud": False, "verify_iss": False, "verify_sub": False},
            )
        except jwt.PyJWTError:
            return False
        return is_low_s(key.curve, decoded["signature"])
