"""The recommendation cache: ranked track ids keyed by playlist and record CID.

See docs/cache.md. Typical use, with one cache and one :class:`SingleFlight` per process:

    key = recommendation_key(playlist.id, playlist.record_cid, prefix=settings.cache_prefix)
    ids = await cache.get(key)
    if ids is None:
        ids = await flight.run(key, compute_and_store)  # compute_and_store calls cache.set

>>> from segue.settings import Settings
>>> type(open_cache(Settings(redis_url=None))).__name__
'MemoryCache'
"""

from ._breaker import BreakerState, CircuitBreaker
from ._codec import CachedRanking
from ._factory import open_cache
from ._memory import MemoryCache, NullCache
from ._protocol import CacheStats, RecommendationCache, recommendation_key
from ._redis import RedisCache
from ._singleflight import SingleFlight

__all__ = [
    "BreakerState",
    "CacheStats",
    "CachedRanking",
    "CircuitBreaker",
    "MemoryCache",
    "NullCache",
    "RecommendationCache",
    "RedisCache",
    "SingleFlight",
    "open_cache",
    "recommendation_key",
]
