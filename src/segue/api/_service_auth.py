"""Service-auth JWTs remembered once verified, for as long as each is valid.

A verification costs a signature check (and, the first time a DID is seen, a fetch of its
document); a token is sent on every request of its few minutes, so verifying it once and
remembering the result, keyed by its SHA-256, makes the next requests cost what a cached
Segue token costs. Nothing can revoke a service-auth token before its ``exp``: remembering
it until then changes nothing a verification would decide, besides ``lxm``, which is
checked on every request.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable

from segue.atproto import ServiceAuthVerifier, ServiceToken

__all__ = ["ServiceAuthenticator"]


class ServiceAuthenticator:
    """:class:`~segue.atproto.ServiceAuthVerifier` with verified tokens remembered until
    they expire (at most ``max_entries``, the oldest leaving first); one per process."""

    def __init__(
        self,
        verifier: ServiceAuthVerifier,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.verifier = verifier
        self.max_entries = max_entries
        self._clock = clock
        self._verified: OrderedDict[str, ServiceToken] = OrderedDict()

    async def verify(self, token: str) -> ServiceToken:
        """The verified token (:class:`~segue.errors.Unauthorized` when refused)."""
        key = hashlib.sha256(token.encode("utf-8")).hexdigest()
        entry = self._verified.get(key)
        if entry is not None and entry.expires_at > self._clock():
            return entry
        verified = await self.verifier.verify(token)
        self._verified[key] = verified
        self._verified.move_to_end(key)
        while len(self._verified) > self.max_entries:
            self._verified.popitem(last=False)
        return verified
