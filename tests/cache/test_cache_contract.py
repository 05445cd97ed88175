"""The contract every RecommendationCache backend keeps, run on memory and on real Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import numpy as np
import pytest
import redis

from segue.cache import (
    CachedRanking,
    MemoryCache,
    RecommendationCache,
    RedisCache,
)
from segue.errors import InvalidInput

from ..support import REDIS_URL
from .cache_support import FakeClock

LONG_TTL = 3600.0


class Harness:
    """One backend plus the few things a test needs to see or do behind its back."""

    def __init__(self, name: str, key_prefix: str, admin: redis.Redis, clock: FakeClock) -> None:
        self.name = name
        self.key_prefix = key_prefix
        self.admin = admin
        self.clock = clock
        self.caches: list[RecommendationCache] = []

    def make(self, ttl_seconds: float = LONG_TTL) -> RecommendationCache:
        cache: RecommendationCache
        if self.name == "memory":
            cache = MemoryCache(ttl_seconds=ttl_seconds, clock=self.clock)
        else:
            cache = RedisCache.from_url(REDIS_URL, ttl_seconds=ttl_seconds, timeout_seconds=0.5)
        self.caches.append(cache)
        return cache

    def key(self) -> str:
        playlist_id = f"pl-{uuid.uuid4().hex[:8]}"
        return f"{self.key_prefix}:recommendations:{playlist_id}:bafyreitest"

    def remaining_ttl(self, cache: RecommendationCache, key: str) -> float | None:
        if isinstance(cache, MemoryCache):
            return cache.remaining_ttl(key)
        pttl = int(self.admin.pttl(key))
        return pttl / 1000 if pttl > 0 else None

    async def age(self, cache: RecommendationCache, key: str, seconds: float) -> None:
        """Make the entry ``seconds`` older (Redis: cut its TTL by as much)."""
        if isinstance(cache, MemoryCache):
            self.clock.advance(seconds)
        else:
            self.admin.pexpire(key, int(self.admin.pttl(key)) - int(seconds * 1000))

    async def wait_past(self, seconds: float) -> None:
        if self.name == "memory":
            self.clock.advance(seconds)
        else:
            await asyncio.sleep(seconds)


@pytest.fixture(params=["memory", "redis"])
async def harness(request, key_prefix, redis_admin, clock) -> AsyncIterator[Harness]:
    h = Harness(request.param, key_prefix, redis_admin, clock)
    yield h
    for cache in h.caches:
        await cache.aclose()


@pytest.fixture
def cache(harness: Harness) -> RecommendationCache:
    return harness.make()


def test_backends_satisfy_the_protocol(cache: RecommendationCache) -> None:
    assert isinstance(cache, RecommendationCache)


async def test_unknown_key_is_a_miss(cache: RecommendationCache, harness: Harness) -> None:
    assert await cache.get(harness.key()) is None


async def test_set_then_get_returns_the_ids_in_order(cache, harness: Harness) -> None:
    key = harness.key()
    ids = [42, 7, 0, 2**63 - 1, -(2**63), 7, 100_000]
    await cache.set(key, ids)
    assert await cache.get(key) == ids


async def test_a_ranking_keeps_its_because_ids_and_how_it_was_cut(cache, harness) -> None:
    key = harness.key()
    ranking = CachedRanking([88, 3, 2**53 - 1], because=[12, 40, 12], asked=200, complete=True)
    await cache.set(key, ranking)
    got = await cache.get(key)
    assert got == [88, 3, 2**53 - 1]
    assert got is not None
    assert (got.because, got.asked, got.complete) == ([12, 40, 12], 200, True)
    await cache.set(key, CachedRanking([5], because=[6], asked=50))
    got = await cache.get(key)
    assert got is not None
    assert (list(got), got.because, got.asked, got.complete) == ([5], [6], 50, False)


async def test_a_provisional_ranking_stays_provisional(cache, harness) -> None:
    # A ranking cached only briefly (fallback plan, a possibly stale store read) must be
    # known as such when read back: a longer ranking must not keep it as its start.
    key = harness.key()
    await cache.set(key, CachedRanking([8, 9], because=[1, 1], asked=50, provisional=True))
    got = await cache.get(key)
    assert got is not None
    assert (list(got), got.complete, got.provisional) == ([8, 9], False, True)
    await cache.set(key, CachedRanking([8], because=[1], complete=True))
    got = await cache.get(key)
    assert got is not None
    assert (got.complete, got.provisional) == (True, False)
    with pytest.raises(InvalidInput, match="provisional"):  # format 1 cannot carry the flag
        await cache.set(key, CachedRanking([8], provisional=True))


async def test_plain_ids_come_back_without_because(cache, harness: Harness) -> None:
    key = harness.key()
    await cache.set(key, [4, 5])
    got = await cache.get(key)
    assert got is not None
    # as cut as they are long: a longer ranking may exist
    assert (got.because, got.asked, got.complete) == ([], 2, False)


async def test_because_ids_must_match_the_ids(cache) -> None:
    with pytest.raises(InvalidInput, match="1 because ids for 2 ids"):
        await cache.set("k", CachedRanking([1, 2], because=[3]))
    with pytest.raises(InvalidInput, match="cannot cache"):
        await cache.set("k", CachedRanking([1], because=[3], asked=2**32))


async def test_empty_list_is_a_hit_not_a_miss(cache, harness: Harness) -> None:
    key = harness.key()
    await cache.set(key, [])
    assert await cache.get(key) == []


async def test_numpy_ids_are_stored_as_plain_ints(cache, harness: Harness) -> None:
    key = harness.key()
    ids = np.arange(1000, dtype=np.int64)[::-1]
    await cache.set(key, ids)  # what a Ranking holds
    got = await cache.get(key)
    assert got == ids.tolist()
    assert all(type(i) is int for i in got)


async def test_keys_are_independent(cache, harness: Harness) -> None:
    first, second = harness.key(), harness.key()
    await cache.set(first, [1])
    await cache.set(second, [2, 3])
    assert (await cache.get(first), await cache.get(second)) == ([1], [2, 3])


async def test_overwrite_replaces_the_ids_and_restarts_the_ttl(cache, harness: Harness) -> None:
    key = harness.key()
    await cache.set(key, [1, 2, 3])
    await harness.age(cache, key, LONG_TTL / 2)
    await cache.set(key, [9])
    assert await cache.get(key) == [9]
    remaining = harness.remaining_ttl(cache, key)
    assert remaining is not None
    assert LONG_TTL - 60 < remaining <= LONG_TTL


async def test_ttl_is_the_configured_one(harness: Harness) -> None:
    cache = harness.make(ttl_seconds=24 * 3600)
    key = harness.key()
    await cache.set(key, [5])
    remaining = harness.remaining_ttl(cache, key)
    assert remaining is not None
    assert 24 * 3600 - 60 < remaining <= 24 * 3600


async def test_entries_expire_after_the_ttl(harness: Harness) -> None:
    cache = harness.make(ttl_seconds=1.0)
    key = harness.key()
    await cache.set(key, [1, 2])
    remaining = harness.remaining_ttl(cache, key)
    assert remaining is not None
    assert remaining <= 1.0
    assert await cache.get(key) == [1, 2]
    await harness.wait_past(1.1)
    assert await cache.get(key) is None
    assert harness.remaining_ttl(cache, key) is None


@pytest.mark.parametrize("bad", [[1.5], [2**63], [-(2**63) - 1], ["3"]])
async def test_ids_that_are_not_int64_are_refused(cache, harness: Harness, bad) -> None:
    key = harness.key()
    with pytest.raises(InvalidInput):
        await cache.set(key, bad)
    assert await cache.get(key) is None


async def test_concurrent_use_of_one_cache(cache, harness: Harness) -> None:
    keys = [harness.key() for _ in range(50)]
    await asyncio.gather(*(cache.set(key, [i, i + 1]) for i, key in enumerate(keys)))
    got = await asyncio.gather(*(cache.get(key) for key in keys))
    assert got == [[i, i + 1] for i in range(50)]
