"""``open_cache(settings)``: the configured recommendation cache."""

from __future__ import annotations

from segue.errors import Misconfigured
from segue.settings import CacheBackend, Settings

from ._link import RedisLink
from ._memory import MemoryCache, NullCache
from ._protocol import RecommendationCache
from ._redis import RedisCache

__all__ = ["open_cache"]


def open_cache(settings: Settings, link: RedisLink | None = None) -> RecommendationCache:
    """The configured cache; call once per process (e.g. in the app lifespan) and share it.

    ``SEGUE_CACHE_BACKEND=auto`` (the default) picks Redis when ``SEGUE_REDIS_URL`` is set
    and the in-process cache otherwise; ``redis``, ``memory`` and ``none`` force one.
    ``link``: the process's :class:`RedisLink` (the lifespan's, shared with the rate
    limits; it stays its builder's to close); without one a Redis cache makes its own.
    """
    backend = settings.cache_backend
    if backend is CacheBackend.NONE:
        return NullCache()
    if backend is CacheBackend.MEMORY or (backend is CacheBackend.AUTO and not settings.redis_url):
        return MemoryCache(
            max_entries=settings.cache_max_entries, ttl_seconds=settings.cache_ttl_seconds
        )
    if link is not None:
        return RedisCache(link, ttl_seconds=settings.cache_ttl_seconds)
    own = RedisLink.from_settings(settings)
    if own is None:
        raise Misconfigured("SEGUE_CACHE_BACKEND=redis needs SEGUE_REDIS_URL")
    return RedisCache(own, ttl_seconds=settings.cache_ttl_seconds, owns_link=True)
