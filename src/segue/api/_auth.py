"""Bearer tokens to users, with verified tokens remembered for a few seconds."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from segue.catalog import Database, UserView, hash_token, verify_token

__all__ = ["Authenticator"]


class Authenticator:
    """Verifies API tokens against the catalog; one per process, built in the lifespan.

    A token verified within the last ``ttl_seconds`` is accepted without asking the
    database again, so a revoked token keeps working in this process for at most that
    long (``SEGUE_TOKEN_CACHE_SECONDS``, 5 s by default; 0 asks on every request). Only
    successes are remembered, keyed by the token's SHA-256, never the token itself.

        >>> auth = Authenticator(database, ttl_seconds=5)  # doctest: +SKIP
        >>> (await auth.user("segue_abcd..._...")).did  # doctest: +SKIP
        'did:plc:me'
    """

    def __init__(
        self,
        database: Database,
        *,
        ttl_seconds: float = 5.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds < 0 or max_entries < 1:
            raise ValueError("ttl_seconds must be >= 0 and max_entries >= 1")
        self.database = database
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        # token hash -> (valid until, user); order is recency of insertion, oldest first
        self._verified: OrderedDict[str, tuple[float, UserView]] = OrderedDict()

    async def user(self, token: str) -> UserView:
        """The user ``token`` belongs to; :class:`Unauthorized` if it is invalid or revoked."""
        if not self.ttl_seconds:
            return await self._verify(token)
        key = hash_token(token)
        now = self._clock()
        entry = self._verified.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        user = await self._verify(token)
        self._verified[key] = (now + self.ttl_seconds, user)
        self._verified.move_to_end(key)
        while len(self._verified) > self.max_entries:
            self._verified.popitem(last=False)
        return user

    async def _verify(self, token: str) -> UserView:
        async with self.database.reading() as conn:
            return await verify_token(conn, token)
