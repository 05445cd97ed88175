"""The in-process cache (LRU with a TTL) and the null cache (caching off)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from segue._lifecycle import AsyncClosing
from segue.metrics import RECOMMENDATION_CACHE

from ._codec import CachedRanking, decode_ids, encode_ids
from ._protocol import CacheStats
from ._rider import Rider

__all__ = ["MemoryCache", "NullCache"]

# Bound once: every look-up counts itself (segue_recommendation_cache_total).
_HIT = RECOMMENDATION_CACHE.labels(result="hit")
_MISS = RECOMMENDATION_CACHE.labels(result="miss")

DEFAULT_TTL_SECONDS = 24 * 3600.0


class MemoryCache(AsyncClosing):
    """An in-process cache: least recently used entries go first once ``max_entries`` is hit.

    One per process (each process of a deployment has its own). Values are stored encoded,
    as Redis would store them, so both backends behave alike and an entry costs a few bytes
    an id.

    >>> import asyncio
    >>> cache = MemoryCache(max_entries=100, ttl_seconds=60)
    >>> asyncio.run(cache.set("k", [7, 3]))
    >>> asyncio.run(cache.get("k"))
    [7, 3]
    """

    def __init__(
        self,
        *,
        max_entries: int = 10_000,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1 or ttl_seconds <= 0:
            raise ValueError("max_entries must be >= 1 and ttl_seconds > 0")
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self.stats = CacheStats()
        self._clock = clock
        # key -> (expires_at, encoded ids); order is recency of use, oldest first
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str, *, rider: Rider | None = None) -> CachedRanking | None:
        if rider is not None:
            await rider.alone()  # no Redis round trip here to share
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._clock():
            if entry is not None:
                del self._entries[key]
            self.stats.misses += 1
            _MISS.inc()
            return None
        self._entries.move_to_end(key)
        self.stats.hits += 1
        _HIT.inc()
        # Only this class writes entries, always through encode_ids: they cannot be corrupt.
        return decode_ids(entry[1])

    async def set(self, key: str, ids: Sequence[int], *, ttl_seconds: float | None = None) -> None:
        ttl = self.ttl_seconds if ttl_seconds is None else ttl_seconds
        if ttl <= 0:
            raise ValueError("ttl_seconds must be positive")
        self._entries[key] = (self._clock() + ttl, encode_ids(ids))
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def remaining_ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires, ``None`` if absent (like Redis ``PTTL``)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        remaining = entry[0] - self._clock()
        return remaining if remaining > 0 else None

    async def aclose(self) -> None:
        self._entries.clear()


class NullCache(AsyncClosing):
    """Caching disabled (``SEGUE_CACHE_BACKEND=none``): every ``get`` is a miss."""

    def __init__(self) -> None:
        self.stats = CacheStats()

    async def get(self, key: str, *, rider: Rider | None = None) -> CachedRanking | None:
        if rider is not None:
            await rider.alone()
        self.stats.misses += 1
        _MISS.inc()
        return None

    async def set(self, key: str, ids: Sequence[int], *, ttl_seconds: float | None = None) -> None:
        # Validate anyway, so a caller passing bad ids fails the same way on every backend.
        encode_ids(ids)

    async def aclose(self) -> None:
        return None
