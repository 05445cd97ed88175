"""The Redis cache, on the process's :class:`RedisLink`; never raises because of Redis."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from segue._lifecycle import AsyncClosing
from segue.metrics import RECOMMENDATION_CACHE

from ._breaker import CircuitBreaker
from ._codec import CachedRanking, CorruptValueError, decode_ids, encode_ids
from ._link import LinkFailure, RedisLink
from ._memory import DEFAULT_TTL_SECONDS
from ._protocol import CacheStats
from ._rider import Rider

__all__ = ["RedisCache"]

# Bound once: every look-up counts itself (segue_recommendation_cache_total).
_HIT = RECOMMENDATION_CACHE.labels(result="hit")
_MISS = RECOMMENDATION_CACHE.labels(result="miss")
_ERROR = RECOMMENDATION_CACHE.labels(result="error")

_WHO = "cache"

R = TypeVar("R")


class RedisCache(AsyncClosing):
    """The cache in Redis, shared by every process of a deployment.

    Every call goes through ``link`` (:class:`RedisLink`): its short timeouts and no retry,
    its circuit breaker (shared with the rate limits, so an outage is noticed once), its
    classification of errors and its throttled warnings. A corrupt value is a miss, logged.

        cache = RedisCache(link, ttl_seconds=3600)
        ids = await cache.get(key)  # None: miss, or Redis unavailable
        await cache.set(key, ids)  # never raises because Redis is down

    ``aclose()`` closes the link only when the cache made it (:meth:`from_url`); a link
    given to it belongs to whoever built it (the app's lifespan).
    """

    def __init__(
        self, link: RedisLink, *, ttl_seconds: float = DEFAULT_TTL_SECONDS, owns_link: bool = False
    ) -> None:
        # Redis expiry has millisecond resolution; PX 0 would be an error.
        self._ttl_ms = max(1, round(ttl_seconds * 1000))
        self.link = link
        self.stats = CacheStats()
        self._owns_link = owns_link

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
        """A cache with a link of its own (tests, tools); the API shares the lifespan's."""
        link = RedisLink.from_url(
            url, timeout_seconds=timeout_seconds, breaker=breaker, clock=clock
        )
        return cls(link, ttl_seconds=ttl_seconds, owns_link=True)

    @property
    def breaker(self) -> CircuitBreaker:
        return self.link.breaker

    @property
    def ttl_seconds(self) -> float:
        return self._ttl_ms / 1000

    async def get(self, key: str, *, rider: Rider | None = None) -> CachedRanking | None:
        if rider is not None and rider.link is not self.link:
            await rider.alone()  # its budget is counted elsewhere: no round trip to share
            rider = None
        client = self.link.client
        if rider is None:
            raw = await self._call("GET", lambda: client.get(key))
            return self._decoded(key, raw)
        answer = await self._call("GET", lambda: rider.reading(key))
        if answer is LinkFailure.REFUSED:
            # Refused as a whole (a key of another type on either side, say): each alone,
            # so that one refusal does not cost the other its answer. The script reads the
            # key before it spends, so a refused read spent nothing.
            await rider.alone()
            raw = await self._call("GET", lambda: client.get(key))
        elif isinstance(answer, LinkFailure):
            raw = answer
            await rider.settle(answer)
        else:
            verdict, value = answer
            raw = value if isinstance(value, bytes | str) else None
            await rider.settle(verdict)
        return self._decoded(key, raw)

    async def set(self, key: str, ids: Sequence[int], *, ttl_seconds: float | None = None) -> None:
        value = encode_ids(ids)  # bad ids raise whatever the breaker's state
        ttl_ms = self._ttl_ms if ttl_seconds is None else max(1, round(ttl_seconds * 1000))
        client = self.link.client
        await self._call("SET", lambda: client.set(key, value, px=ttl_ms))

    async def aclose(self) -> None:
        if self._owns_link:
            await self.link.aclose()

    async def _call(self, op: str, call: Callable[[], Awaitable[R]]) -> R | LinkFailure:
        return await self.link.call(op, _WHO, call, counts=self.stats)

    def _decoded(self, key: str, raw: bytes | str | LinkFailure | None) -> CachedRanking | None:
        if isinstance(raw, LinkFailure):
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
            self.link.warn("corrupt", "corrupt cache value at %s (%s); treated as a miss", key, exc)
            _ERROR.inc()
            return None
        self.stats.hits += 1
        _HIT.inc()
        return ids
