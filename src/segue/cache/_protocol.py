"""The ``RecommendationCache`` protocol every backend implements, and the cache key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from segue._lifecycle import AsyncResource
from segue.errors import InvalidInput

from ._codec import CachedRanking

__all__ = ["CacheStats", "RecommendationCache", "recommendation_key"]


@runtime_checkable
class RecommendationCache(AsyncResource, Protocol):
    """Ranked recommendation ids by key. Every backend passes the same contract suite.

    A cache is an optimisation, never a dependency: ``get`` answers ``None`` on a miss *and*
    when the backend is unavailable, ``set`` never raises because of an outage. ``async
    with`` closes the cache on the way out (``aclose()``).
    """

    async def get(self, key: str) -> CachedRanking | None:
        """The ids stored under ``key``, in order, or ``None`` (miss, expired, unavailable).

        A :class:`CachedRanking`: a list, with the ``because`` ids, ``asked`` and
        ``complete`` that were stored with it when ``set`` was given a ranking."""
        ...

    async def set(self, key: str, ids: Sequence[int], *, ttl_seconds: float | None = None) -> None:
        """Store ``ids`` (int64 each; a :class:`CachedRanking` with what it carries) under
        ``key``, replacing any, for ``ttl_seconds`` (the
        configured TTL when ``None``; shorter for answers that should not last, such as a
        ranking computed with a fallback plan under load)."""
        ...


@dataclass(slots=True)
class CacheStats:
    """Counters a backend keeps, for tests and metrics. Not reset by the cache."""

    hits: int = 0
    misses: int = 0
    #: calls that went out to the backend (Redis only)
    calls: int = 0
    #: calls that failed with a timeout or connection error (Redis only)
    failures: int = 0
    #: calls not made because the circuit breaker was open (Redis only)
    skipped: int = 0
    #: stored values that could not be decoded, answered as misses
    corrupt: int = 0


def recommendation_key(
    playlist_id: str, record_cid: str, *, prefix: str = "segue", kind: str = "recommendations"
) -> str:
    """The cache key of a playlist's recommendations at one version of the playlist.

    The record CID changes whenever a track is added, removed or reordered, so an edited
    playlist never reads stale recommendations. ``kind`` names other rankings cached the
    same way: ``similar`` (tracks like one track; its id and version in place of the
    playlist's).

    >>> recommendation_key("3kxq", "bafyreib2rxk3rh6kzwq")
    'segue:recommendations:3kxq:bafyreib2rxk3rh6kzwq'
    >>> recommendation_key("88", "bafyreib2rxk3rh6kzwq", kind="similar")
    'segue:similar:88:bafyreib2rxk3rh6kzwq'

    A CID never contains ``:``, so the key stays unambiguous even when a playlist id does.
    """
    if not playlist_id or not record_cid or not prefix or not kind:
        raise InvalidInput("cache key parts must not be empty")
    if ":" in record_cid or ":" in kind:
        raise InvalidInput(f"not a record CID: {record_cid!r}")
    return f"{prefix}:{kind}:{playlist_id}:{record_cid}"
