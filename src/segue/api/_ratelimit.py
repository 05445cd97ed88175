"""Per-token rate limits: budgets of reads, writes and recommendation misses per minute.

Built on :pypi:`limits` (sliding window counters): in Redis when ``SEGUE_REDIS_URL`` is set,
so every worker and machine of a deployment draws on one budget per token, and in process
otherwise. A request is checked after its token is verified, so made-up tokens create no
counters. One check is one Redis round trip (a Lua script); a cache hit pays only its
read's, a miss one more for the stricter miss budget.

A Redis that fails never fails a request: after ``SEGUE_CACHE_BREAKER_FAILURES`` failed
checks a circuit breaker keeps calls away from it for a cool-down, and meanwhile each
process enforces the same budgets with its own counters (so a script is still slowed
down), counted in ``segue_rate_limit_errors_total`` and logged.

    limiter = RateLimiter.from_settings(settings)  # once per process, in the lifespan
    await limiter.check(Budget.WRITE, caller.rate_key)  # RateLimited (429) once spent
    await limiter.aclose()
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar, cast

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.util import WindowStats
from redis.asyncio import ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from segue.cache import BreakerState, CircuitBreaker
from segue.errors import RateLimited
from segue.metrics import RATE_LIMIT_ERRORS, RATE_LIMITED
from segue.settings import Settings

__all__ = ["Budget", "RateLimiter"]

log = logging.getLogger("segue.api")

T = TypeVar("T")

# What a dead, slow or refusing Redis raises (limits passes redis-py's errors through;
# OSError covers the socket errors that escape unwrapped, builtins.TimeoutError included).
_REDIS_FAILED = (RedisError, StorageError, OSError)


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
    """Per-token budgets per minute; ``budgets=None`` turns every check into a no-op.

    ``shared`` is the Redis storage every process uses (``None``: in process only);
    ``pool`` a connection pool this limiter owns and :meth:`aclose` closes.
    """

    def __init__(
        self,
        budgets: Mapping[Budget, int] | None,
        *,
        shared: RedisStorage | None = None,
        pool: ConnectionPool | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._items: dict[Budget, RateLimitItem] = {
            budget: RateLimitItemPerMinute(amount) for budget, amount in (budgets or {}).items()
        }
        self._local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._shared = SlidingWindowCounterRateLimiter(shared) if shared is not None else None
        self._pool = pool
        self.breaker = breaker if breaker is not None else CircuitBreaker()

    @classmethod
    def from_settings(
        cls, settings: Settings, *, shared_pool: ConnectionPool | None = None
    ) -> RateLimiter:
        """The limiter ``SEGUE_RATE_LIMITS`` and the ``SEGUE_RATE_LIMIT_*`` budgets ask for.

        ``shared_pool``: the Redis cache's connection pool, to use rather than open a second
        set of connections to the same Redis (it stays the cache's to close).
        """
        if not settings.rate_limits:
            return cls(None)
        budgets = {
            Budget.READ: settings.rate_limit_reads_per_minute,
            Budget.WRITE: settings.rate_limit_writes_per_minute,
            Budget.MISS: settings.rate_limit_misses_per_minute,
        }
        if settings.redis_url is None:
            return cls(budgets)
        url = settings.redis_url.get_secret_value()
        timeout = settings.redis_timeout_ms / 1000
        # The cache's short timeouts and no retry: the breaker handles an outage.
        owned = None
        if shared_pool is None:
            owned = ConnectionPool.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 0),
            )
        pool = shared_pool or owned
        shared = RedisStorage(
            url if url.startswith("redis") else f"redis+{url}",  # unix://... as limits names it
            implementation="redispy",
            key_prefix=f"{settings.cache_prefix}:ratelimit",
            connection_pool=cast(Any, pool),  # limits types its options as scalars
        )
        breaker = CircuitBreaker(
            failure_threshold=settings.cache_breaker_failures,
            cooldown_seconds=settings.cache_breaker_cooldown_seconds,
        )
        return cls(budgets, shared=shared, pool=owned, breaker=breaker)

    @property
    def enabled(self) -> bool:
        return bool(self._items)

    async def check(self, budget: Budget, who: str) -> None:
        """Spend one request of ``budget`` for ``who``; :class:`RateLimited` if it is spent.

        ``who`` is the caller's key (``Caller.rate_key``): a token's id (public: it names the
        token in `segue token`), a platform token's id with its actor's DID, or the DID of a
        service-auth JWT; never a secret.
        """
        item = self._items.get(budget)
        if item is None:
            return
        refused_by = await self._hit(item, budget, who)
        if refused_by is None:
            return
        retry = await self._retry_after(refused_by, item, budget, who)
        RATE_LIMITED.labels(budget=budget.value).inc()
        raise RateLimited(
            f"too many {budget.value} requests with this token (at most {item.amount} a "
            f"minute); try again in {retry} s",
            retry_after=retry,
        )

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    async def _hit(
        self, item: RateLimitItem, budget: Budget, who: str
    ) -> SlidingWindowCounterRateLimiter | None:
        """``None`` when the request may go; else the limiter that refused it."""
        shared = self._shared
        if shared is not None:
            allowed = await self._call_shared(lambda: shared.hit(item, budget.value, who))
            if allowed is not None:
                return None if allowed else shared
        return None if await self._local.hit(item, budget.value, who) else self._local

    async def _retry_after(
        self,
        limiter: SlidingWindowCounterRateLimiter,
        item: RateLimitItem,
        budget: Budget,
        who: str,
    ) -> int:
        """Whole seconds until one more request fits (the window's length if unknown)."""
        window = item.get_expiry()
        stats: WindowStats | None
        if limiter is self._local:
            stats = await limiter.get_window_stats(item, budget.value, who)
        else:
            stats = await self._call_shared(
                lambda: limiter.get_window_stats(item, budget.value, who)
            )
        if stats is None:
            return window
        return min(window, max(1, math.ceil(stats.reset_time - time.time())))

    async def _call_shared(self, call: Callable[[], Awaitable[T]]) -> T | None:
        """``call()``'s answer, or ``None`` when Redis is skipped (breaker open) or failed."""
        if not self.breaker.allow():
            return None
        was = self.breaker.state
        settled = False
        try:
            answer = await call()
            settled = True
        except _REDIS_FAILED as exc:
            settled = True
            RATE_LIMIT_ERRORS.inc()
            self.breaker.record_failure()
            # Once per outage, not once per failed probe.
            if was is BreakerState.CLOSED and self.breaker.state is BreakerState.OPEN:
                log.warning(
                    "rate limits: Redis unavailable (%s: %s); each process counts on its own "
                    "for the next %.3g s",
                    type(exc).__name__,
                    exc,
                    self.breaker.cooldown_seconds,
                )
            return None
        finally:
            if not settled:  # cancelled mid-call: no verdict on Redis's health
                self.breaker.release()
        self.breaker.record_success()
        if was is not BreakerState.CLOSED:
            log.info("rate limits: Redis reachable again; budgets are shared again")
        return answer
