"""``SingleFlight``: concurrent misses for one key compute once per process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

__all__ = ["SingleFlight"]

T = TypeVar("T")


class SingleFlight:
    """Concurrent calls for one key share one computation (per process, per event loop).

    The first caller starts ``compute`` in its own task; callers arriving while it runs wait
    for the same result, or the same exception. Once it is done the key is forgotten, so
    the next call computes again (by then the result is normally in the cache).

    >>> import asyncio
    >>> flight = SingleFlight()
    >>> async def compute() -> list[int]:
    ...     await asyncio.sleep(0.01)
    ...     return [1, 2]
    >>> async def main() -> list[list[int]]:
    ...     return await asyncio.gather(*(flight.run("k", compute) for _ in range(3)))
    >>> asyncio.run(main())
    [[1, 2], [1, 2], [1, 2]]

    A caller that is cancelled (say its client went away) stops waiting, but the
    computation goes on for the others, and finishes even with nobody left waiting:
    it usually stores its result in the cache.
    """

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[Any]] = {}

    def __len__(self) -> int:
        """How many keys are being computed now."""
        return len(self._running)

    async def run(self, key: str, compute: Callable[[], Awaitable[T]]) -> T:
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(_await(compute), name=f"singleflight:{key}")
            self._running[key] = task
            # Added before anyone awaits the task, so it runs before any waiter resumes:
            # whoever calls next finds the key gone and computes afresh.
            task.add_done_callback(lambda done: self._forget(key, done))
        # shield: one waiter's cancellation must not cancel the others' computation.
        return cast(T, await asyncio.shield(task))

    async def aclose(self) -> None:
        """Cancel the computations still running (at shutdown) and wait for them to end."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        # return_exceptions: each task's own error or cancellation is expected here.
        await asyncio.gather(*tasks, return_exceptions=True)

    def _forget(self, key: str, task: asyncio.Task[Any]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            # Mark the exception as seen: the waiters got it; when none is left it would
            # otherwise be logged as "never retrieved" at garbage collection.
            task.exception()


async def _await(compute: Callable[[], Awaitable[T]]) -> T:
    return await compute()
