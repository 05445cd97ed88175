"""Fixtures for the cache tests: the machine's real Redis, throwaway redis-servers, a clock.

Redis is never mocked. Keys live under a prefix unique to the test run, removed at the end;
outage tests start their own ``redis-server`` so they can kill, pause and restart it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from cache_support import REDIS_URL, FakeClock, RedisServer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def redis_admin() -> Iterator[redis.Redis]:
    """A synchronous client of the shared Redis, for setup, inspection and cleanup."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:  # say what is missing, never skip
        pytest.fail(f"the cache tests need a real Redis at {REDIS_URL}: {exc}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def key_prefix(redis_admin: redis.Redis) -> Iterator[str]:
    """This run's key prefix; every key under it is deleted when the run ends."""
    prefix = f"segue-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    pattern = f"{prefix}:*"
    for key in redis_admin.scan_iter(match=pattern, count=1000):
        redis_admin.delete(key)
    assert not list(redis_admin.scan_iter(match=pattern)), "test keys left behind"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()
