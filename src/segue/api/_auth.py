"""Credentials to callers: Segue tokens (a user's, or a platform's acting for the DID in
``X-Segue-Actor``) and ATProto service-auth JWTs, each remembered once verified."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from segue.catalog import (
    TOKEN_PREFIX,
    Database,
    TokenCheck,
    UserView,
    check_did,
    check_token,
    find_user,
    hash_token,
    revoke_token,
    token_id_of,
    touch_tokens,
)
from segue.errors import DatabaseUnavailable, Forbidden, InvalidInput, Unauthorized

from ._service_auth import ServiceAuthenticator

__all__ = ["LAST_USED_INTERVAL", "Authenticator", "Caller"]

log = logging.getLogger("segue.api")

#: ``last_used_at`` is written when the stored value is older than this: "last used" to the
#: hour is what an operator deciding which tokens to revoke needs, and it costs one write
#: per token per hour instead of one per request.
LAST_USED_INTERVAL = timedelta(hours=1)

#: the handle a DID without a user row is shown with until one is known (ATProto's own)
UNKNOWN_HANDLE = "handle.invalid"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a request acts for, and how it proved it.

    ``rate_key`` is what its budgets are counted under: a user token's id, ``{platform
    token id}/{actor DID}`` (each actor of a platform as if it had a token of its own), or
    the DID of a service-auth JWT. Never a secret.
    """

    user: UserView
    rate_key: str
    via: Literal["token", "platform", "service"]
    #: the platform's name, for a platform token
    platform: str | None = None


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
        service: ServiceAuthenticator | None = None,
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
        #: verifies service-auth JWTs; ``None`` when SEGUE_SERVICE_DID is unset (refused)
        self.service = service
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.last_used_interval = last_used_interval
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._wall_clock = wall_clock
        # token hash -> (valid until, check); order is recency of insertion, oldest first
        self._verified: OrderedDict[str, tuple[float, TokenCheck]] = OrderedDict()
        # DID -> (valid until, its user row or None): actors and JWT issuers, who may have none
        self._dids: OrderedDict[str, tuple[float, UserView | None]] = OrderedDict()
        # Counts logouts: a verification that saw one happen meanwhile is not remembered.
        self._logouts = 0
        # token id -> when it was used, not yet written; and the task that will write it
        self._unrecorded: dict[str, datetime] = {}
        self._flush: asyncio.Task[None] | None = None
        self._flush_now = asyncio.Event()

    async def caller(
        self, credential: str, *, actor: str | None = None, method: str | None = None
    ) -> Caller:
        """Who ``credential`` (the bearer token) acts for; :class:`Unauthorized` otherwise.

        ``actor`` is the request's ``X-Segue-Actor`` (only a platform token may name one,
        and it must), ``method`` the route's NSID, which a service-auth JWT's ``lxm`` must
        match when it has one.
        """
        if credential.startswith(TOKEN_PREFIX):
            check = await self.check(credential)
            if check.platform is None:
                if actor is not None:
                    raise Unauthorized("X-Segue-Actor is only for platform tokens")
                assert check.user is not None  # a user token has a user
                return Caller(check.user, check.id, "token")
            if actor is None:
                raise Unauthorized(
                    "a platform token acts only for the DID named in the X-Segue-Actor header"
                )
            did = _actor_did(actor)
            user = await self._user_of(did, None)
            return Caller(user, f"{check.id}/{did}", "platform", check.platform)
        if credential.count(".") == 2:
            if self.service is None:
                raise Unauthorized(
                    "service-auth tokens are not accepted here (SEGUE_SERVICE_DID is not set)"
                )
            if actor is not None:
                raise Unauthorized("X-Segue-Actor is only for platform tokens")
            token = await self.service.verify(credential)
            if not token.allows(method):
                raise Unauthorized(
                    f"service-auth token refused: its lxm is {token.lxm}, not "
                    f"{method or 'a method it may name'}"
                )
            user = await self._user_of(token.did, token.handle)
            return Caller(user, token.did, "service")
        raise Unauthorized("invalid token")

    async def user(self, token: str) -> UserView:
        """The user a Segue user token belongs to; :class:`Unauthorized` if it is invalid,
        expired or revoked, or a platform token (which has no user of its own)."""
        check = await self.check(token)
        if check.user is None:
            raise Unauthorized("a platform token acts only for the DID in X-Segue-Actor")
        return check.user

    async def check(self, token: str) -> TokenCheck:
        """The verified Segue token, remembered for ``ttl_seconds``; :class:`Unauthorized`
        if it is invalid, expired or revoked."""
        if not self.ttl_seconds:
            return await self._verify(token)
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
            return check
        valid_until = now + self.ttl_seconds
        if check.expires_at is not None:
            left = (check.expires_at - self._wall_clock()).total_seconds()
            valid_until = min(valid_until, now + left)
        self._remember(self._verified, key, (valid_until, check))
        return check

    async def _user_of(self, did: str, handle: str | None) -> UserView:
        """The user row of a DID a JWT or a platform speaks for (remembered for
        ``ttl_seconds``); without one, the DID with ``handle`` (its document's) or
        ``handle.invalid``: no row needs creating for it to read."""
        now = self._clock()
        entry = self._dids.get(did)
        if entry is not None and entry[0] > now:
            row = entry[1]
        else:
            async with self.database.reading() as conn:
                row = await find_user(conn, did)
            if self.ttl_seconds:
                self._remember(self._dids, did, (now + self.ttl_seconds, row))
        if row is not None:
            return row
        return UserView(did=did, handle=handle or UNKNOWN_HANDLE, display_name=None)

    def _remember(
        self, cache: OrderedDict[str, tuple[float, Any]], key: str, entry: tuple[float, Any]
    ) -> None:
        cache[key] = entry
        cache.move_to_end(key)
        while len(cache) > self.max_entries:
            cache.popitem(last=False)

    async def logout(self, token: str) -> None:
        """Revoke ``token`` (after checking it) and forget it in this process at once.

        Other processes forget it within their ``ttl_seconds``. A platform token is
        :class:`Forbidden`: one actor signing out must not cut off every other; the
        operator revokes it (``segue token revoke``).
        """
        check = await self.check(token)
        if check.platform is not None:
            raise Forbidden(
                f"a platform token is not signed out by its actors; its operator revokes it "
                f"(segue token revoke {check.id})"
            )
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
        # asyncio.timeout, not wait_for (which can drop a cancellation in Python 3.11).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.flush_seconds):
                await self._flush_now.wait()
        self._flush_now.clear()
        # From here on, uses noted go to the next flush.
        uses, self._unrecorded, self._flush = self._unrecorded, {}, None
        try:
            async with self.database.sessionmaker() as session:
                await touch_tokens(session, uses, older_than=self.last_used_interval)
        except DatabaseUnavailable as exc:
            # Bookkeeping only: the next verification an interval on notes the use again.
            log.warning("could not record the last use of %d token(s): %s", len(uses), exc.detail)


def _actor_did(actor: str) -> str:
    """The DID in ``X-Segue-Actor``; :class:`Unauthorized` when it is not one."""
    try:
        return check_did(actor.strip())
    except InvalidInput as exc:
        raise Unauthorized("X-Segue-Actor is not a DID") from exc
