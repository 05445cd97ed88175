"""The Redis cache: short timeouts, no retries, a circuit breaker; never raises because of Redis."""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from segue._lifecycle import AsyncClosing
from segue.metrics import RECOMMENDATION_CACHE

from ._breaker import BreakerState, CircuitBreaker
from ._codec import CachedRanking, CorruptValueError, decode_ids, encode_ids
from ._memory import DEFAULT_TTL_SECONDS
from ._protocol import CacheStats

__all__ = ["RedisCache"]

# Bound once: every look-up counts itself (segue_recommendation_cache_total).
_HIT = RECOMMENDATION_CACHE.labels(result="hit")
_MISS = RECOMMENDATION_CACHE.labels(result="miss")
_ERROR = RECOMMENDATION_CACHE.labels(result="error")

log = logging.getLogger(__name__)

R = TypeVar("R")

# What a dead, unreachable or overloaded Redis raises. redis-py wraps most socket errors in
# its ConnectionError / TimeoutError; OSError covers the few that escape unwrapped (and
# builtins.TimeoutError, which asyncio raises, is one).
_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class _Failed(enum.Enum):
    """A call that Redis did not answer (skipped, failed or refused): not a missing key."""

    FAILED = enum.auto()


_FAILED = _Failed.FAILED


class RedisCache(AsyncClosing):
    """The cache in Redis, shared by every process of a deployment.

    Each call has the client's short socket timeouts and no retry; a :class:`CircuitBreaker`
    stops calling a Redis that keeps failing, so an outage costs a request nothing once it
    is noticed. Each kind of warning (a failed call, Redis unavailable, a corrupt value, a
    refusal) is logged at most once per ``warn_interval_seconds``.

        cache = RedisCache.from_url("redis://127.0.0.1:6379/0", ttl_seconds=3600)
        ids = await cache.get(key)  # None: miss, or Redis unavailable
        await cache.set(key, ids)  # never raises because Redis is down
        await cache.aclose()  # at shutdown

    The cache owns ``client`` and closes it in :meth:`aclose` (or on leaving ``async with``).
    """

    def __init__(
        self,
        client: Redis,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        breaker: CircuitBreaker | None = None,
        warn_interval_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Redis expiry has millisecond resolution; PX 0 would be an error.
        self._ttl_ms = max(1, round(ttl_seconds * 1000))
        self._client = client
        self.breaker = breaker if breaker is not None else CircuitBreaker(clock=clock)
        self.stats = CacheStats()
        self._warn_interval = warn_interval_seconds
        self._clock = clock
        # warning kind -> (when last logged, how many suppressed since)
        self._warned: dict[str, tuple[float | None, int]] = {}

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        timeout_seconds: float = 0.05,
        breaker: CircuitBreaker | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> RedisCache:
        """A cache with its own client and connection pool; create one per process."""
        client = Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            # A retry would double the wait on a dead Redis; the breaker handles outages.
            retry=Retry(NoBackoff(), 0),
        )
        return cls(client, ttl_seconds=ttl_seconds, breaker=breaker, clock=clock)

    @property
    def connection_pool(self) -> ConnectionPool:
        """The client's pool, for another part that talks to the same Redis (the rate
        limits) to share its connections; the cache still owns and closes it."""
        return self._client.connection_pool

    @property
    def ttl_seconds(self) -> float:
        return self._ttl_ms / 1000

    async def get(self, key: str) -> CachedRanking | None:
        raw = await self._call("GET", key, lambda: self._client.get(key))
        if raw is _FAILED:
            self.stats.misses += 1
            _ERROR.inc()
            return None
        if raw is None:
            self.stats.misses += 1
            _MISS.inc()
            return None
        try:
            ids = decode_ids(raw)
        except CorruptValueError as exc:
            # Another writer or an older format; the caller recomputes and overwrites it.
            self.stats.corrupt += 1
            self.stats.misses += 1
            self._warn("corrupt", "corrupt cache value at %s (%s); treated as a miss", key, exc)
            _ERROR.inc()
            return None
        self.stats.hits += 1
        _HIT.inc()
        return ids

    async def set(self, key: str, ids: Sequence[int], *, ttl_seconds: float | None = None) -> None:
        value = encode_ids(ids)  # bad ids raise whatever the breaker's state
        ttl_ms = self._ttl_ms if ttl_seconds is None else max(1, round(ttl_seconds * 1000))
        await self._call("SET", key, lambda: self._client.set(key, value, px=ttl_ms))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, op: str, key: str, call: Callable[[], Awaitable[R]]) -> R | _Failed:
        """``call()``'s answer, or ``_FAILED`` when Redis is skipped, unavailable or refuses."""
        if not self.breaker.allow():
            self.stats.skipped += 1
            return _FAILED
        self.stats.calls += 1
        was = self.breaker.state
        settled = False
        try:
            answer = await call()
            settled = True
        except _UNAVAILABLE as exc:
            settled = True
            self.stats.failures += 1
            self.breaker.record_failure()
            self._warn_unavailable(op, exc, opened=self.breaker.state is BreakerState.OPEN)
            return _FAILED
        except ResponseError as exc:
            # Redis is up but refused (out of memory, read-only replica, a key of another
            # type): not an outage, so no breaker failure, and no reason to fail a request.
            settled = True
            self.breaker.record_success()
            self._warn("refused", "Redis refused %s %s: %s", op, key, exc)
            return _FAILED
        finally:
            if not settled:  # cancelled mid-call: no verdict on Redis's health
                self.breaker.release()
        self.breaker.record_success()
        if was is not BreakerState.CLOSED:
            log.info("Redis cache reachable again; caching resumes")
        return answer

    def _warn_unavailable(self, op: str, exc: BaseException, *, opened: bool) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        if opened:
            self._warn(
                "unavailable",
                "Redis cache unavailable (%s %s); requests compute fresh, next try in %.3g s",
                op,
                reason,
                self.breaker.cooldown_seconds,
            )
        else:
            self._warn("failed", "Redis cache call failed (%s %s); computing fresh", op, reason)

    def _warn(self, kind: str, message: str, *args: object) -> None:
        """Log a warning unless one of this kind was logged less than ``warn_interval`` ago."""
        now = self._clock()
        last, suppressed = self._warned.get(kind, (None, 0))
        if last is not None and now - last < self._warn_interval:
            self._warned[kind] = (last, suppressed + 1)
            return
        if suppressed:
            message += " (and %d more like it, not logged)"
            args = (*args, suppressed)
        self._warned[kind] = (now, 0)
        log.warning(message, *args)
