"""Bearer tokens to users, with verified tokens remembered for a few seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from segue.catalog import (
    Database,
    TokenCheck,
    UserView,
    check_token,
    hash_token,
    revoke_token,
    token_id_of,
    touch_tokens,
)
from segue.errors import DatabaseUnavailable

__all__ = ["LAST_USED_INTERVAL", "Authenticator"]

log = logging.getLogger("segue.api")

#: ``last_used_at`` is written when the stored value is older than this: "last used" to the
#: hour is what an operator deciding which tokens to revoke needs, and it costs one write
#: per token per hour instead of one per request.
LAST_USED_INTERVAL = timedelta(hours=1)


class Authenticator:
    """Verifies API tokens against the catalog; one per process, built in the lifespan.

    A token verified within the last ``ttl_seconds`` is accepted without asking the
    database again, so a revoked token keeps working in this process for at most that
    long (``SEGUE_TOKEN_CACHE_SECONDS``, 5 s by default; 0 asks on every request), and
    never past its own expiry: an entry is kept until whichever comes first. A token
    signed out here (:meth:`logout`) is forgotten at once. Only successes are remembered,
    keyed by the token's SHA-256, never the token itself.

    A token's last use is recorded off the request's path: when a verification finds the
    stored ``last_used_at`` older than ``last_used_interval``, the use is noted in memory,
    and a background task writes the uses noted meanwhile ``flush_seconds`` later (and at
    :meth:`aclose`), in one transaction. So a busy token costs one write an hour, not one
    per request; the write never takes a pooled connection while the request that noted
    it is running; and a failed write costs the requests nothing.

        >>> auth = Authenticator(database, ttl_seconds=5)  # doctest: +SKIP
        >>> (await auth.user("segue_abcd..._...")).did  # doctest: +SKIP
        'did:plc:me'
        >>> await auth.logout("segue_abcd..._...")  # doctest: +SKIP
        >>> await auth.aclose()  # doctest: +SKIP
    """

    def __init__(
        self,
        database: Database,
        *,
        ttl_seconds: float = 5.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        last_used_interval: timedelta = LAST_USED_INTERVAL,
        flush_seconds: float = 10.0,
    ) -> None:
        if ttl_seconds < 0 or max_entries < 1:
            raise ValueError("ttl_seconds must be >= 0 and max_entries >= 1")
        self.database = database
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.last_used_interval = last_used_interval
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._wall_clock = wall_clock
        # token hash -> (valid until, user); order is recency of insertion, oldest first
        self._verified: OrderedDict[str, tuple[float, UserView]] = OrderedDict()
        # Counts logouts: a verification that saw one happen meanwhile is not remembered.
        self._logouts = 0
        # token id -> when it was used, not yet written; and the task that will write it
        self._unrecorded: dict[str, datetime] = {}
        self._flush: asyncio.Task[None] | None = None
        self._flush_now = asyncio.Event()

    async def user(self, token: str) -> UserView:
        """The user ``token`` belongs to; :class:`Unauthorized` if it is invalid, expired
        or revoked."""
        if not self.ttl_seconds:
            return (await self._verify(token)).user
        key = hash_token(token)
        now = self._clock()
        entry = self._verified.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        logouts = self._logouts
        check = await self._verify(token)
        if self._logouts != logouts:
            # A logout ran while the token was read: it may have revoked this very token
            # after the read, and remembering it would undo the logout here for ttl_seconds.
            return check.user
        valid_until = now + self.ttl_seconds
        if check.expires_at is not None:
            left = (check.expires_at - self._wall_clock()).total_seconds()
            valid_until = min(valid_until, now + left)
        self._verified[key] = (valid_until, check.user)
        self._verified.move_to_end(key)
        while len(self._verified) > self.max_entries:
            self._verified.popitem(last=False)
        return check.user

    async def logout(self, token: str) -> None:
        """Revoke ``token`` (after checking it) and forget it in this process at once.

        Other processes forget it within their ``ttl_seconds``.
        """
        await self.user(token)
        async with self.database.sessionmaker() as session:
            await revoke_token(session, token_id_of(token))
        # Both at once, once the revocation is committed: an entry made before is dropped,
        # a verification still in flight is not remembered, and any later one is refused.
        self._verified.pop(hash_token(token), None)
        self._logouts += 1

    async def aclose(self) -> None:
        """Write the uses noted so far (called before the database closes)."""
        task = self._flush
        if task is not None:
            self._flush_now.set()
            await task

    async def _verify(self, token: str) -> TokenCheck:
        now = self._wall_clock()
        async with self.database.reading() as conn:
            check = await check_token(conn, token, now=now)
        stale = check.last_used_at is None or now - check.last_used_at >= self.last_used_interval
        if stale:
            self._unrecorded.setdefault(check.id, now)
            if self._flush is None:
                self._flush = asyncio.create_task(self._flush_later())
        return check

    async def _flush_later(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._flush_now.wait(), self.flush_seconds)
        self._flush_now.clear()
        # From here on, uses noted go to the next flush.
        uses, self._unrecorded, self._flush = self._unrecorded, {}, None
        try:
            async with self.database.sessionmaker() as session:
                await touch_tokens(session, uses, older_than=self.last_used_interval)
        except DatabaseUnavailable as exc:
            # Bookkeeping only: the next verification an interval on notes the use again.
            log.warning("could not record the last use of %d token(s): %s", len(uses), exc.detail)
