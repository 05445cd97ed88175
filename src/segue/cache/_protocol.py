"""The ``RecommendationCache`` protocol every backend implements (the key is built by
``segue.recommendations``: a cache stores under whatever key it is given)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from segue._lifecycle import AsyncResource

from ._codec import CachedRanking
from ._link import LinkStats
from ._rider import Rider

__all__ = ["CacheStats", "RecommendationCache"]


@runtime_checkable
class RecommendationCache(AsyncResource, Protocol):
    """Ranked recommendation ids by key. Every backend passes the same contract suite.

    A cache is an optimisation, never a dependency: ``get`` answers ``None`` on a miss *and*
    when the backend is unavailable, ``set`` never raises because of an outage. ``async
    with`` closes the cache on the way out (``aclose()``).
    """

    async def get(self, key: str, *, rider: Rider | None = None) -> CachedRanking | None:
        """The ids stored under ``key``, in order, or ``None`` (miss, expired, unavailable).

        A :class:`CachedRanking`: a list, with the ``because`` ids, ``asked`` and
        ``complete`` that were stored with it when ``set`` was given a ranking.

        ``rider`` (the rate limit's charge) is spent exactly once: in the same round trip
        as the read when it goes to this cache's Redis, else alone; it may raise
        (``RateLimited``), and then no ranking is returned."""
        ...

    async def set(self, key: str, ids: Sequence[int], *, ttl_seconds: float | None = None) -> None:
        """Store ``ids`` (int64 each; a :class:`CachedRanking` with what it carries) under
        ``key``, replacing any, for ``ttl_seconds`` (the
        configured TTL when ``None``; shorter for answers that should not last, such as a
        ranking computed with a fallback plan under load)."""
        ...


@dataclass(slots=True)
class CacheStats(LinkStats):
    """Counters a backend keeps, for tests and metrics. Not reset by the cache.

    ``calls``, ``failures`` (unavailable), ``skipped`` (breaker open) and ``refused``
    (``ResponseError``) are this cache's calls through its Redis link (Redis only)."""

    hits: int = 0
    misses: int = 0
    #: stored values that could not be decoded, answered as misses
    corrupt: int = 0
