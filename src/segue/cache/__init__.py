"""The recommendation cache: ranked track ids keyed by playlist and record CID.

See docs/cache.md. Typical use, with one cache and one :class:`SingleFlight` per process
(the key is ``segue.recommendations.CacheKeys``'s, built whole in one place):

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
from ._link import LinkFailure, LinkStats, RedisLink
from ._memory import MemoryCache, NullCache
from ._protocol import CacheStats, RecommendationCache
from ._redis import RedisCache
from ._rider import Rider
from ._singleflight import SingleFlight

__all__ = [
    "BreakerState",
    "CacheStats",
    "CachedRanking",
    "CircuitBreaker",
    "LinkFailure",
    "LinkStats",
    "MemoryCache",
    "NullCache",
    "RecommendationCache",
    "RedisCache",
    "RedisLink",
    "Rider",
    "SingleFlight",
    "open_cache",
]
