"""One Redis link for the cache and the rate limits (issue 20, item 3), on a real Redis.

One breaker (an outage the cache meets keeps the limiter away too), one classification (a
``ResponseError`` is a command Redis refused, never an outage, for both), and a cache hit's
read budget sent in the same round trip as its GET: counted where it lands, by a loopback
proxy that counts what the client sends.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis
from limits import RateLimitItemPerMinute
from prometheus_client import REGISTRY

from segue.api._ratelimit import Budget, RateLimiter
from segue.cache import BreakerState, CircuitBreaker, RedisCache, RedisLink
from segue.errors import RateLimited

from ..support import REDIS_URL, RedisServer, free_port
from .cache_support import FakeClock

# What budgets are charged under: a caller's key (Caller.rate_key), here a Segue token's id.
TOKEN = "a" * 16


class CountingProxy:
    """A loopback TCP proxy to Redis counting the client's writes: with one connection,
    each burst of commands sent before waiting for answers is one round trip."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.sends = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, count: bool
    ) -> None:
        try:
            while data := await reader.read(65536):
                if count:
                    self.sends += 1
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        for task in (
            asyncio.create_task(self._pipe(reader, up_writer, count=True)),
            asyncio.create_task(self._pipe(up_reader, writer, count=False)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def __aenter__(self) -> CountingProxy:
        self._server = await asyncio.start_server(self._on_connect, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def redis_port() -> int:
    port = redis.connection.parse_url(REDIS_URL).get("port", 6379)
    return int(port)


@pytest.fixture
async def proxied() -> AsyncIterator[tuple[CountingProxy, RedisLink]]:
    async with CountingProxy(redis_port()) as proxy:
        link = RedisLink.from_url(f"redis://127.0.0.1:{proxy.port}/0", timeout_seconds=2.0)
        try:
            yield proxy, link
        finally:
            await link.aclose()


def limiter_on(link: RedisLink, key_prefix: str, reads: int = 100) -> RateLimiter:
    return RateLimiter({Budget.READ: reads}, link=link, key_prefix=f"{key_prefix}:ratelimit")


def rate_limit_errors() -> float:
    return REGISTRY.get_sample_value("segue_rate_limit_errors_total") or 0.0


async def test_a_hit_and_its_read_charge_are_one_round_trip(
    proxied: tuple[CountingProxy, RedisLink], key_prefix: str, redis_admin: redis.Redis
) -> None:
    proxy, link = proxied
    cache = RedisCache(link, ttl_seconds=60)
    limiter = limiter_on(link, f"{key_prefix}-{uuid.uuid4().hex[:6]}")
    key = f"{key_prefix}:recommendations:pl-{uuid.uuid4().hex[:8]}:bafyreirt"
    await cache.set(key, [5, 6, 7])
    await limiter.check(Budget.READ, TOKEN)  # connects, loads the script: not measured
    # and the script that reads as it spends, loaded on its first call: not measured
    assert await cache.get(key, rider=limiter.charge(Budget.READ, TOKEN)) == [5, 6, 7]

    sends = proxy.sends
    assert await cache.get(key, rider=limiter.charge(Budget.READ, TOKEN)) == [5, 6, 7]
    assert proxy.sends == sends + 1

    # The same work the way it was done before: the check, then the GET.
    sends = proxy.sends
    await limiter.check(Budget.READ, TOKEN)
    assert await cache.get(key) == [5, 6, 7]
    assert proxy.sends == sends + 2

    # All four charges landed on one budget in Redis.
    assert limiter.shared is not None
    _, current = limiter.shared.keys(RateLimitItemPerMinute(100), "read", "a" * 16)
    assert int(redis_admin.get(current) or 0) == 4


async def test_a_spent_read_budget_refuses_the_hit_with_retry_after(
    proxied: tuple[CountingProxy, RedisLink], key_prefix: str
) -> None:
    _, link = proxied
    cache = RedisCache(link, ttl_seconds=60)
    limiter = limiter_on(link, f"{key_prefix}-{uuid.uuid4().hex[:6]}", reads=2)
    key = f"{key_prefix}:recommendations:pl-{uuid.uuid4().hex[:8]}:bafyreirl"
    await cache.set(key, [1])
    for _ in range(2):
        assert await cache.get(key, rider=limiter.charge(Budget.READ, TOKEN)) == [1]
    with pytest.raises(RateLimited) as refused:
        await cache.get(key, rider=limiter.charge(Budget.READ, TOKEN))
    assert 1 <= refused.value.retry_after <= 60
    # A charge is spent once: settling or spending it again costs nothing more.
    charge = limiter.charge(Budget.READ, "c" * 16)
    assert charge is not None
    await cache.get(key, rider=charge)
    await charge.alone()
    await charge.alone()
    assert charge.spent


async def test_a_refused_command_is_not_an_outage(
    key_prefix: str, redis_admin: redis.Redis, clock: FakeClock
) -> None:
    # A breaker that opens on the first failure: a refusal must not count as one.
    breaker = CircuitBreaker(failure_threshold=1, cooldown_seconds=60, clock=clock)
    link = RedisLink.from_url(REDIS_URL, timeout_seconds=2.0, breaker=breaker, clock=clock)
    try:
        cache = RedisCache(link, ttl_seconds=60)
        limiter = limiter_on(link, f"{key_prefix}-{uuid.uuid4().hex[:6]}", reads=2)
        wrong = f"{key_prefix}:recommendations:pl-{uuid.uuid4().hex[:8]}:bafyreiwt"
        redis_admin.rpush(wrong, "not a ranking")  # GET on a list: WRONGTYPE
        assert limiter.shared is not None
        previous, _ = limiter.shared.keys(RateLimitItemPerMinute(2), "read", "a" * 16)
        redis_admin.rpush(previous, "x")  # the script's GET on it fails too
        errors = rate_limit_errors()

        assert await cache.get(wrong) is None
        outcomes = []
        for _ in range(3):
            try:
                await cache.get(wrong, rider=limiter.charge(Budget.READ, TOKEN))
                outcomes.append("ok")
            except RateLimited:
                outcomes.append("429")
        # Redis gave no verdict: this process's own counters decided, at the same budget.
        assert outcomes == ["ok", "ok", "429"]
        assert breaker.state is BreakerState.CLOSED
        assert link.stats.failures == 0
        # Each charge carrying a read refused, then each alone: the charge refused, and
        # the GET (not after the third charge, which answered 429 first).
        assert link.stats.refused == 1 + 3 + 3 + 2
        assert cache.stats.refused == 1 + 3 + 2
        assert rate_limit_errors() == errors + 3
    finally:
        redis_admin.delete(previous)
        await link.aclose()


async def test_a_refused_charge_does_not_cost_the_hit_its_answer(
    key_prefix: str, redis_admin: redis.Redis
) -> None:
    # The charge's own key is of another type: the script that reads and spends is refused
    # as a whole, and the hit is still answered from Redis (the GET alone).
    link = RedisLink.from_url(REDIS_URL, timeout_seconds=2.0)
    try:
        cache = RedisCache(link, ttl_seconds=60)
        limiter = limiter_on(link, f"{key_prefix}-{uuid.uuid4().hex[:6]}")
        key = f"{key_prefix}:recommendations:pl-{uuid.uuid4().hex[:8]}:bafyreirc"
        await cache.set(key, [8, 9])
        assert limiter.shared is not None
        previous, _ = limiter.shared.keys(RateLimitItemPerMinute(100), "read", "a" * 16)
        redis_admin.rpush(previous, "x")
        errors = rate_limit_errors()
        assert await cache.get(key, rider=limiter.charge(Budget.READ, TOKEN)) == [8, 9]
        assert cache.stats.hits == 1
        assert rate_limit_errors() == errors + 1  # decided by this process's counters
    finally:
        redis_admin.delete(previous)
        await link.aclose()


async def test_the_cache_and_the_limiter_share_one_breaker(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=2, cooldown_seconds=60, clock=clock)
    link = RedisLink.from_url(
        f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.5, breaker=breaker, clock=clock
    )
    try:
        cache = RedisCache(link, ttl_seconds=60)
        limiter = RateLimiter({Budget.READ: 2}, link=link)
        for _ in range(2):
            assert await cache.get("k") is None
        assert breaker.state is BreakerState.OPEN
        calls = link.stats.calls
        # The limiter does not discover the outage again: skipped, counted in process.
        await limiter.check(Budget.READ, TOKEN)
        await limiter.check(Budget.READ, TOKEN)
        with pytest.raises(RateLimited):
            await limiter.check(Budget.READ, TOKEN)
        assert link.stats.calls == calls
        assert link.stats.skipped == 3
    finally:
        await link.aclose()


async def test_a_restarted_redis_without_the_script_still_counts(redis_server: RedisServer):
    """After a restart (or SCRIPT FLUSH) Redis no longer knows the script that reads and
    spends: it is loaded again on the NOSCRIPT answer, and the hit answers and counts."""
    link = RedisLink.from_url(redis_server.url, timeout_seconds=2.0)
    try:
        cache = RedisCache(link, ttl_seconds=60)
        limiter = limiter_on(link, "segue-noscript", reads=2)
        await cache.set("k", [3])
        admin = redis.Redis.from_url(redis_server.url, socket_timeout=2)
        try:
            admin.script_flush()
            assert await cache.get("k", rider=limiter.charge(Budget.READ, TOKEN)) == [3]
            assert await cache.get("k", rider=limiter.charge(Budget.READ, TOKEN)) == [3]
            with pytest.raises(RateLimited):
                await cache.get("k", rider=limiter.charge(Budget.READ, TOKEN))
            assert link.stats.refused == 0  # NOSCRIPT is handled, not a refusal
        finally:
            admin.close()
    finally:
        await link.aclose()
