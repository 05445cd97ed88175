"""Redis down, hung, killed and restarted: requests never wait on it, caching comes back.

Calls are counted where they land (a listener's accepted connections, the server's command
stats) or by the cache's own counters, never by timing. Time bounds below are only guards
against hanging, far above the 50 ms timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import pytest

from segue.cache import BreakerState, CircuitBreaker, RedisCache

from ..support import RedisServer, free_port
from .cache_support import FakeClock, state_of

HANG_GUARD_SECONDS = 2.0
TIMEOUT = 0.05
COOLDOWN = 5.0


def make_cache(url: str, clock: FakeClock, timeout: float = TIMEOUT) -> RedisCache:
    breaker = CircuitBreaker(failure_threshold=3, cooldown_seconds=COOLDOWN, clock=clock)
    return RedisCache.from_url(
        url, ttl_seconds=60, timeout_seconds=timeout, breaker=breaker, clock=clock
    )


class Blackhole:
    """A TCP listener that accepts connections and never answers: a hung Redis."""

    def __init__(self) -> None:
        self.accepted = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    async def _on_connect(self, _: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self._writers.append(writer)

    async def __aenter__(self) -> Blackhole:
        self._server = await asyncio.start_server(self._on_connect, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for writer in self._writers:
            writer.close()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@pytest.fixture
async def closing() -> AsyncIterator[list[RedisCache]]:
    caches: list[RedisCache] = []
    yield caches
    for cache in caches:
        await cache.aclose()


async def test_nothing_listening_opens_the_breaker_and_warns_sparingly(
    clock: FakeClock, closing: list[RedisCache], caplog: pytest.LogCaptureFixture
) -> None:
    cache = make_cache(f"redis://127.0.0.1:{free_port()}/0", clock)
    closing.append(cache)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="segue.cache"):
        for i in range(10):
            assert await cache.get(f"k{i}") is None
            await cache.set(f"k{i}", [i])  # must not raise
    assert time.monotonic() - started < HANG_GUARD_SECONDS
    assert cache.breaker.state is BreakerState.OPEN
    assert (cache.stats.calls, cache.stats.failures, cache.stats.skipped) == (3, 3, 17)
    # one warning at the first failure, one when the breaker opens; none per request
    warnings = [r.message for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "call failed" in warnings[0]
    assert "unavailable" in warnings[1]

    caplog.clear()
    clock.advance(COOLDOWN)
    assert await cache.get("k") is None  # the probe fails
    assert await cache.get("k") is None  # and the breaker is open again
    assert (cache.stats.calls, cache.stats.skipped) == (4, 18)
    assert cache.breaker.state is BreakerState.OPEN
    assert not caplog.records  # within the warning interval: counted, not logged

    clock.advance(30)
    with caplog.at_level(logging.WARNING, logger="segue.cache"):
        assert await cache.get("k") is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "unavailable" in caplog.records[0].message
    assert "and 1 more like it" in caplog.records[0].message


async def test_hung_redis_each_call_reaches_the_socket_once_until_the_breaker_opens(
    clock: FakeClock, closing: list[RedisCache]
) -> None:
    async with Blackhole() as hole:
        cache = make_cache(f"redis://127.0.0.1:{hole.port}/0", clock)
        closing.append(cache)
        for i in range(10):
            started = time.monotonic()
            assert await cache.get(f"k{i}") is None
            await cache.set(f"k{i}", [i])
            assert time.monotonic() - started < HANG_GUARD_SECONDS
        await asyncio.sleep(0.1)  # let the listener run the accepts already queued
        # one connection per failed call: no retries, and nothing once the breaker is open
        assert hole.accepted == 3
        assert cache.stats.calls == 3
        assert cache.breaker.state is BreakerState.OPEN


async def test_killed_server_then_restarted_caching_resumes_by_itself(
    redis_server: RedisServer,
    clock: FakeClock,
    closing: list[RedisCache],
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = make_cache(redis_server.url, clock)
    closing.append(cache)
    await cache.set("k", [1, 2])
    assert await cache.get("k") == [1, 2]

    redis_server.kill()
    started = time.monotonic()
    for _ in range(10):
        assert await cache.get("k") is None
        await cache.set("k", [3])
    assert time.monotonic() - started < HANG_GUARD_SECONDS
    assert cache.breaker.state is BreakerState.OPEN
    assert cache.stats.failures == 3

    redis_server.start()  # same port, empty: it kept nothing
    for _ in range(5):
        assert await cache.get("k") is None
    assert redis_server.command_calls("get") == 0  # the breaker kept every call away

    clock.advance(COOLDOWN)
    with caplog.at_level(logging.INFO, logger="segue.cache"):
        assert await cache.get("k") is None  # the probe: a real miss on the new server
    assert redis_server.command_calls("get") == 1
    assert state_of(cache.breaker) is BreakerState.CLOSED
    assert any("reachable again" in r.message for r in caplog.records)

    await cache.set("k", [4, 5])
    assert await cache.get("k") == [4, 5]
    assert (redis_server.command_calls("set"), redis_server.command_calls("get")) == (1, 2)


async def test_paused_server_times_out_then_recovers(
    redis_server: RedisServer, clock: FakeClock, closing: list[RedisCache]
) -> None:
    cache = make_cache(redis_server.url, clock)
    closing.append(cache)
    await cache.set("k", [7])
    calls_before = cache.stats.calls

    redis_server.pause()  # accepts connections, never answers: a slow Redis
    for _ in range(5):
        started = time.monotonic()
        assert await cache.get("k") is None
        assert time.monotonic() - started < HANG_GUARD_SECONDS
    assert cache.stats.calls - calls_before == 3
    assert cache.breaker.state is BreakerState.OPEN

    redis_server.resume()
    clock.advance(COOLDOWN)
    assert await cache.get("k") == [7]  # it was only paused: the entry is still there
    assert state_of(cache.breaker) is BreakerState.CLOSED


async def test_cancelled_probe_lets_the_next_request_probe_at_once(
    redis_server: RedisServer, clock: FakeClock, closing: list[RedisCache]
) -> None:
    # A long timeout, so the probe is surely still waiting when it is cancelled.
    cache = make_cache(redis_server.url, clock, timeout=10)
    closing.append(cache)
    await cache.set("k", [8])
    for _ in range(3):
        cache.breaker.record_failure()
    clock.advance(COOLDOWN)

    redis_server.pause()
    calls = cache.stats.calls
    probe = asyncio.create_task(cache.get("k"))
    await asyncio.sleep(0.05)
    assert cache.stats.calls == calls + 1  # the probe went out and is waiting on Redis
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert cache.breaker.state is BreakerState.OPEN

    redis_server.resume()
    async with asyncio.timeout(HANG_GUARD_SECONDS):
        assert await cache.get("k") == [8]  # no cool-down to wait: the probe was released
    assert state_of(cache.breaker) is BreakerState.CLOSED
