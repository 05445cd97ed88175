"""Fixtures for the cache tests: the machine's real Redis, throwaway redis-servers, a clock.

Redis is never mocked. Keys live under a prefix unique to the test run, removed at the end;
outage tests start their own ``redis-server`` so they can kill, pause and restart it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..support import RedisServer
from .cache_support import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    try:
        yield server
    finally:
        server.close()
