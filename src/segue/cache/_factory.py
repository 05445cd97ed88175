"""``open_cache(settings)``: the configured recommendation cache."""

from __future__ import annotations

from segue.errors import Misconfigured
from segue.settings import CacheBackend, Settings

from ._breaker import CircuitBreaker
from ._memory import MemoryCache, NullCache
from ._protocol import RecommendationCache
from ._redis import RedisCache

__all__ = ["open_cache"]


def open_cache(settings: Settings) -> RecommendationCache:
    """The configured cache; call once per process (e.g. in the app lifespan) and share it.

    ``SEGUE_CACHE_BACKEND=auto`` (the default) picks Redis when ``SEGUE_REDIS_URL`` is set
    and the in-process cache otherwise; ``redis``, ``memory`` and ``none`` force one.
    """
    backend = settings.cache_backend
    if backend is CacheBackend.NONE:
        return NullCache()
    if backend is CacheBackend.MEMORY or (backend is CacheBackend.AUTO and not settings.redis_url):
        return MemoryCache(
            max_entries=settings.cache_max_entries, ttl_seconds=settings.cache_ttl_seconds
        )
    if not settings.redis_url:
        raise Misconfigured("SEGUE_CACHE_BACKEND=redis needs SEGUE_REDIS_URL")
    breaker = CircuitBreaker(
        failure_threshold=settings.cache_breaker_failures,
        cooldown_seconds=settings.cache_breaker_cooldown_seconds,
    )
    return RedisCache.from_url(
        settings.redis_url.get_secret_value(),
        ttl_seconds=settings.cache_ttl_seconds,
        timeout_seconds=settings.redis_timeout_ms / 1000,
        breaker=breaker,
    )
