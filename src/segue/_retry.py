"""``RetryPolicy``: the one way Segue waits and tries again.

Exponential backoff, capped, with half of each wait random ("equal jitter": many followers
restarted together do not knock on a database or a Jetstream host in step), for a
bounded number of attempts or until it succeeds. Retries are for background work (the
follower's batches and connections), never hidden inside a request's hot path.

    >>> policy = RetryPolicy(attempts=3, initial=0.5, ceiling=4.0)
    >>> [policy.ceiling_of(n) for n in range(5)]
    [0.5, 1.0, 2.0, 4.0, 4.0]

A library (``stamina``, ``tenacity``) was weighed: both retry a call well, but the Jetstream
reconnect loop is no one call (a connection lives, ends, and resets the backoff), and
stamina's default hooks would add a labelled Prometheus counter of its own to every
process. Forty lines cover the three uses. turbopuffer's calls (``vectors/_tpuf_calls.py``)
take only the waits (:meth:`RetryPolicy.delay`): they stop by time left, not by count, and
honour the server's ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["RetryPolicy"]

T = TypeVar("T")
E = TypeVar("E", bound=Exception)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many attempts (``None``: until one succeeds) and how long between them: after
    failed attempt ``n`` (from 0), a wait between half and all of
    ``min(initial * 2**n, ceiling)`` seconds."""

    attempts: int | None
    initial: float
    ceiling: float

    def __post_init__(self) -> None:
        if self.attempts is not None and self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {self.attempts}")
        if not 0 <= self.initial <= self.ceiling:
            raise ValueError("waits must satisfy 0 <= initial <= ceiling")

    def ceiling_of(self, attempt: int) -> float:
        """The longest wait after failed attempt ``attempt``."""
        # 2.0**1023 is the largest power a float holds; past it the ceiling has long won.
        return min(self.initial * 2.0 ** min(attempt, 1023), self.ceiling)

    def delay(self, attempt: int) -> float:
        """A wait after failed attempt ``attempt``: half its ceiling, plus up to as much."""
        ceiling = self.ceiling_of(attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    async def call(
        self,
        work: Callable[[], Awaitable[T]],
        *,
        on: type[E],
        when: Callable[[E], bool] = lambda exc: True,
        on_retry: Callable[[E, float], None] | None = None,
    ) -> T:
        """``await work()`` until it returns; an ``on`` error for which ``when`` holds is
        retried after :meth:`delay` (``on_retry(error, delay)`` first, e.g. to log it),
        until the attempts run out, when it is raised. Any other error is raised at once."""
        attempt = 0
        while True:
            try:
                return await work()
            except on as exc:
                last = self.attempts is not None and attempt + 1 >= self.attempts
                if last or not when(exc):
                    raise
                wait = self.delay(attempt)
                if on_retry is not None:
                    on_retry(exc, wait)
                await asyncio.sleep(wait)
                attempt += 1
