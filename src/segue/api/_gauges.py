"""Gauges an API process keeps current: its build, and its Redis circuit's state.

``segue_build_info`` is set once; ``segue_redis_circuit`` is read from the process's one
Redis link every second (a breaker changes state inside the cache's and the limiter's
calls, which should not know about metrics), so a scrape is at most a second behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from segue import __version__
from segue.cache import BreakerState, RedisLink
from segue.catalog import head_revision
from segue.metrics import BUILD_INFO, REDIS_CIRCUIT

__all__ = ["keeping_gauges"]

_PERIOD = 1.0  # seconds


def _show(link: RedisLink) -> None:
    current = link.breaker.state
    for state in BreakerState:
        REDIS_CIRCUIT.labels(state=state.value).set(1 if state is current else 0)


async def _watch(link: RedisLink) -> None:
    while True:
        _show(link)
        await asyncio.sleep(_PERIOD)


@contextlib.asynccontextmanager
async def keeping_gauges(link: RedisLink | None) -> AsyncIterator[None]:
    """Set the build gauge; while inside, keep the circuit gauge (none without Redis)."""
    BUILD_INFO.labels(version=__version__, schema=head_revision()).set(1)
    if link is None:
        yield
        return
    _show(link)
    task = asyncio.create_task(_watch(link))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
