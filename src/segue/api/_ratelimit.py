"""Per-token rate limits: budgets of reads, writes and recommendation misses per minute.

Sliding window counters (the :pypi:`limits` library's): in Redis when ``SEGUE_REDIS_URL``
is set, so every worker and machine of a deployment draws on one budget per token, and in
process otherwise. A request is charged after its token is verified, so made-up tokens
create no counters. A charge is one Redis call (a Lua script) through the process's
:class:`RedisLink`; a recommendation request's read carries its cache GET (:class:`Charge`,
a cache ``Rider``: one script that reads the key, then spends), so a hit costs no round
trip more than with the limits off, and a miss one more for the stricter miss budget.

A Redis that fails never fails a request: the link's circuit breaker (shared with the
cache, ``SEGUE_CACHE_BREAKER_*``) keeps calls away from a dead Redis for a cool-down, and
meanwhile each process enforces the same budgets with its own counters (so a script is
still slowed down), counted in ``segue_rate_limit_errors_total`` and logged by the link.

    limiter = RateLimiter.from_settings(settings, link)  # once per process, in the lifespan
    await limiter.check(Budget.WRITE, caller.rate_key)  # RateLimited (429) once spent
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Mapping, Sequence
from enum import StrEnum

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from segue.cache import LinkFailure, RedisLink
from segue.errors import RateLimited
from segue.metrics import RATE_LIMIT_ERRORS, RATE_LIMITED
from segue.settings import Settings

from ._window import SharedWindow

__all__ = ["Budget", "Charge", "RateLimiter"]


class Budget(StrEnum):
    """What a request spends: reads and writes by HTTP method; misses on top of a read."""

    READ = "read"
    WRITE = "write"
    MISS = "miss"

    @classmethod
    def of_method(cls, method: str) -> Budget:
        """``GET`` (and ``HEAD``, ``OPTIONS``) spend reads; anything else writes."""
        return cls.READ if method in ("GET", "HEAD", "OPTIONS") else cls.WRITE


class RateLimiter:
    """Per-token budgets per minute; ``budgets=None`` turns every charge into a no-op.

    ``link``: the process's Redis (``None``: count in process only); the limiter does not
    close it (the lifespan that built it does).
    """

    def __init__(
        self,
        budgets: Mapping[Budget, int] | None,
        *,
        link: RedisLink | None = None,
        key_prefix: str = "segue:ratelimit",
    ) -> None:
        self._items: dict[Budget, RateLimitItem] = {
            budget: RateLimitItemPerMinute(amount) for budget, amount in (budgets or {}).items()
        }
        #: this process's own counters: the only ones without Redis, the fallback with it
        self.local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self.shared = SharedWindow(link, key_prefix=key_prefix) if link is not None else None

    @classmethod
    def from_settings(cls, settings: Settings, link: RedisLink | None = None) -> RateLimiter:
        """The limiter ``SEGUE_RATE_LIMITS`` and the ``SEGUE_RATE_LIMIT_*`` budgets ask
        for, counting in ``link``'s Redis when there is one."""
        if not settings.rate_limits:
            return cls(None)
        budgets = {
            Budget.READ: settings.rate_limit_reads_per_minute,
            Budget.WRITE: settings.rate_limit_writes_per_minute,
            Budget.MISS: settings.rate_limit_misses_per_minute,
        }
        return cls(budgets, link=link, key_prefix=f"{settings.cache_prefix}:ratelimit")

    @property
    def enabled(self) -> bool:
        return bool(self._items)

    def charge(self, budget: Budget, who: str) -> Charge | None:
        """One request's charge of ``budget``, to spend once (alone, or riding with a cache
        read); ``None`` when that budget is off.

        ``who`` is the caller's key (``Caller.rate_key``): a token's id (public: it names
        the token in `segue token`), a platform token's id with its actor's DID, or the DID
        of a service-auth JWT; never a secret.
        """
        item = self._items.get(budget)
        if item is None:
            return None
        return Charge(self, item, budget, who)

    async def check(self, budget: Budget, who: str) -> None:
        """Spend one request of ``budget`` for ``who``; :class:`RateLimited` if it is spent."""
        charge = self.charge(budget, who)
        if charge is not None:
            await charge.alone()


class Charge:
    """One request's spending of one budget: alone, or as a cache read's rider.

    Spent at most once, whichever way comes first; :class:`RateLimited` once the budget is
    spent.
    """

    __slots__ = ("_keys", "_limiter", "budget", "item", "link", "spent", "who")

    def __init__(self, limiter: RateLimiter, item: RateLimitItem, budget: Budget, who: str):
        self._limiter = limiter
        self.item = item
        self.budget = budget
        self.who = who
        shared = limiter.shared
        self.link: RedisLink | None = shared.link if shared is not None else None
        # Named when first needed: a hit's miss charge is built but never spent.
        self._keys: list[str] | None = None
        self.spent = False

    @property
    def keys(self) -> list[str]:
        """The Redis keys of this budget's windows (empty without Redis)."""
        if self._keys is None:
            shared = self._limiter.shared
            self._keys = (
                [] if shared is None else shared.keys(self.item, self.budget.value, self.who)
            )
        return self._keys

    def reading(self, key: str) -> Awaitable[Sequence[object]]:
        assert self._limiter.shared is not None  # a cache carries only a rider of its link
        return self._limiter.shared.hit_reading(self.item, self.keys, key)

    async def settle(self, verdict: object | LinkFailure) -> None:
        if self.spent:
            return
        self.spent = True
        # A LinkFailure (skipped, failed or refused) is no verdict: _decide goes without.
        await self._decide(verdict if isinstance(verdict, LinkFailure) else bool(verdict))

    async def alone(self) -> None:
        if self.spent:
            return
        self.spent = True
        await self._spend_alone()

    async def _spend_alone(self) -> None:
        shared = self._limiter.shared
        await self._decide(None if shared is None else await shared.hit(self.item, self.keys))

    async def _decide(self, allowed: bool | LinkFailure | None) -> None:
        """Raise :class:`RateLimited` unless the request may go. ``allowed``: Redis's
        verdict, or why there is none (``None``: no Redis); without one this process's
        own counters decide."""
        item, budget, who = self.item, self.budget.value, self.who
        shared, local = self._limiter.shared, self._limiter.local
        reset_in: float | None = None
        if allowed is None or isinstance(allowed, LinkFailure):
            if allowed is LinkFailure.UNAVAILABLE or allowed is LinkFailure.REFUSED:
                RATE_LIMIT_ERRORS.inc()  # asked, and no verdict (not: skipped by the breaker)
            if await local.hit(item, budget, who):
                return
            reset_in = (await local.get_window_stats(item, budget, who)).reset_time - time.time()
        elif allowed:
            return
        elif shared is not None:
            reset_in = await shared.reset_in(item, self.keys)
        window = item.get_expiry()
        retry = window if reset_in is None else min(window, max(1, math.ceil(reset_in)))
        RATE_LIMITED.labels(budget=budget).inc()
        raise RateLimited(
            f"too many {budget} requests with this token (at most {item.amount} a "
            f"minute); try again in {retry} s",
            retry_after=retry,
        )
