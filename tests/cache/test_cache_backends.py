"""What is particular to each backend, the key, and choosing a backend from settings."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import pytest
import redis

from segue.cache import (
    BreakerState,
    MemoryCache,
    NullCache,
    RedisCache,
    open_cache,
)
from segue.errors import InvalidInput, Misconfigured
from segue.settings import CacheBackend, Settings

from ..support import REDIS_URL
from .cache_support import FakeClock

# -- MemoryCache ---------------------------------------------------------------------------


async def test_memory_evicts_the_least_recently_used(clock: FakeClock) -> None:
    cache = MemoryCache(max_entries=3, clock=clock)
    for key in "abc":
        await cache.set(key, [ord(key)])
    assert await cache.get("a") == [97]  # "b" is now the least recently used
    await cache.set("d", [100])
    assert len(cache) == 3
    assert await cache.get("b") is None
    assert [await cache.get(k) for k in "acd"] == [[97], [99], [100]]


async def test_memory_stays_bounded(clock: FakeClock) -> None:
    cache = MemoryCache(max_entries=100, clock=clock)
    for i in range(1000):
        await cache.set(f"k{i}", [i])
    assert len(cache) == 100
    assert await cache.get("k999") == [999]
    assert await cache.get("k899") is None


async def test_memory_expires_exactly_at_the_ttl(clock: FakeClock) -> None:
    cache = MemoryCache(ttl_seconds=10, clock=clock)
    await cache.set("k", [1])
    clock.advance(9.999)
    assert await cache.get("k") == [1]
    clock.advance(0.001)
    assert await cache.get("k") is None
    assert len(cache) == 0  # an expired entry is dropped when met


async def test_memory_counts_hits_and_misses(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    await cache.get("k")
    await cache.set("k", [1])
    await cache.get("k")
    await cache.get("k")
    assert (cache.stats.hits, cache.stats.misses) == (2, 1)


async def test_null_cache_never_hits_but_checks_ids() -> None:
    cache = NullCache()
    await cache.set("k", [1, 2])
    assert await cache.get("k") is None
    with pytest.raises(InvalidInput):
        await cache.set("k", [2**64])


# -- RedisCache on the real Redis -----------------------------------------------------------


@pytest.fixture
async def redis_cache(clock: FakeClock) -> AsyncIterator[RedisCache]:
    cache = RedisCache.from_url(REDIS_URL, ttl_seconds=60, timeout_seconds=0.5, clock=clock)
    yield cache
    await cache.aclose()


@pytest.fixture
def key(key_prefix: str) -> str:
    return f"{key_prefix}:recommendations:pl-{uuid.uuid4().hex[:8]}:bafyreikey"


async def test_redis_stores_a_format_byte_and_eight_bytes_an_id(
    redis_cache: RedisCache, redis_admin: redis.Redis, key: str
) -> None:
    await redis_cache.set(key, [1, 2**40, -1])
    raw = redis_admin.get(key)
    assert raw == (
        b"\x01"
        + (1).to_bytes(8, "little")
        + (2**40).to_bytes(8, "little")
        + (-1).to_bytes(8, "little", signed=True)
    )


async def test_redis_reads_a_ranking_written_before_the_provisional_flag(
    redis_cache: RedisCache, redis_admin: redis.Redis, key: str
) -> None:
    # Format 2 as the code before the provisional flag wrote it (bit 0 only): still a hit,
    # a lasting ranking.
    old = (
        b"\x02"
        + (200).to_bytes(4, "little")
        + b"\x01"
        + b"".join(i.to_bytes(8, "little") for i in (88, 3, 12, 40))
    )
    redis_admin.set(key, old, px=60_000)
    got = await redis_cache.get(key)
    assert got is not None
    assert (list(got), got.because, got.asked) == ([88, 3], [12, 40], 200)
    assert (got.complete, got.provisional) == (True, False)


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"\x01abc",
        b"\x02" + bytes(8),
        b"\x02" + bytes(5) + bytes(8),  # one id without its because id
        b"\x02\x00",  # a header cut short
        b"\x03" + bytes(16),
        b"[1, 2, 3]",
    ],
)
async def test_redis_corrupt_value_is_a_logged_miss(
    redis_cache: RedisCache,
    redis_admin: redis.Redis,
    key: str,
    garbage: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    redis_admin.set(key, garbage, px=60_000)
    with caplog.at_level(logging.WARNING, logger="segue.cache"):
        assert await redis_cache.get(key) is None
    assert redis_cache.stats.corrupt == 1
    assert any("corrupt" in r.message and key in r.message for r in caplog.records)
    await redis_cache.set(key, [4, 5])  # the recomputed value replaces it
    assert await redis_cache.get(key) == [4, 5]


async def test_redis_key_of_another_type_is_a_miss_not_an_outage(
    redis_cache: RedisCache, redis_admin: redis.Redis, key: str
) -> None:
    redis_admin.rpush(key, "x")
    redis_admin.pexpire(key, 60_000)
    assert await redis_cache.get(key) is None
    assert redis_cache.breaker.state is BreakerState.CLOSED
    assert redis_cache.stats.failures == 0


async def test_redis_counts_calls_hits_and_misses(redis_cache: RedisCache, key: str) -> None:
    await redis_cache.get(key)
    await redis_cache.set(key, [1])
    await redis_cache.get(key)
    stats = redis_cache.stats
    assert (stats.calls, stats.hits, stats.misses, stats.failures, stats.skipped) == (3, 1, 1, 0, 0)


# -- open_cache ------------------------------------------------------------------------------


async def test_open_cache_defaults_to_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGUE_REDIS_URL", raising=False)
    monkeypatch.delenv("SEGUE_CACHE_BACKEND", raising=False)
    cache = open_cache(Settings())
    assert isinstance(cache, MemoryCache)
    assert (cache.max_entries, cache.ttl_seconds) == (10_000, 24 * 3600)


async def test_open_cache_uses_redis_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, key_prefix: str
) -> None:
    monkeypatch.setenv("SEGUE_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("SEGUE_CACHE_TTL_SECONDS", "120")
    monkeypatch.setenv("SEGUE_REDIS_TIMEOUT_MS", "40")
    monkeypatch.setenv("SEGUE_CACHE_BREAKER_FAILURES", "7")
    monkeypatch.setenv("SEGUE_CACHE_BREAKER_COOLDOWN_SECONDS", "9")
    monkeypatch.setenv("SEGUE_CACHE_PREFIX", key_prefix)
    settings = Settings()
    cache = open_cache(settings)
    try:
        assert isinstance(cache, RedisCache)
        assert cache.ttl_seconds == 120
        assert (cache.breaker.failure_threshold, cache.breaker.cooldown_seconds) == (7, 9)
        key = f"{settings.cache_prefix}:recommendations:pl:bafyreienv"
        await cache.set(key, [3])
        assert await cache.get(key) == [3]
    finally:
        await cache.aclose()


def test_open_cache_forced_backends() -> None:
    assert isinstance(open_cache(Settings(cache_backend=CacheBackend.NONE)), NullCache)
    forced_memory = Settings(cache_backend=CacheBackend.MEMORY, redis_url=REDIS_URL)
    assert isinstance(open_cache(forced_memory), MemoryCache)
    with pytest.raises(Misconfigured, match="SEGUE_REDIS_URL"):
        open_cache(Settings(cache_backend=CacheBackend.REDIS, redis_url=None))


@pytest.mark.parametrize("prefix", ["", "a*", "has space", "x?"])
def test_prefix_must_be_glob_free(prefix: str) -> None:
    with pytest.raises(ValueError, match="cache_prefix"):
        Settings(cache_prefix=prefix)
