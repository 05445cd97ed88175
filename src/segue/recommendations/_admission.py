"""How many recommendation computations one process runs at once, and who must degrade."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum

__all__ = ["Admission", "Degrade"]


class Degrade(StrEnum):
    """Why a computation runs the cheaper fallback plan (the metric's ``reason`` label)."""

    #: every slot busy and the waiting line full: queueing would only add latency
    QUEUE_FULL = "queue_full"
    #: no slot came free while the request could still wait for one
    DEADLINE = "deadline"


class Admission:
    """At most ``max_in_flight`` full computations at once; a bounded line waits for them.

    A computation past the line, or one that waits until its deadline is close, is told
    to degrade: it answers with a cheaper plan instead of joining work that would finish
    after its client gave up (which, on a loaded machine, is how every answer ends up late).

        >>> admission = Admission(max_in_flight=4, max_waiting=32)
        >>> async def compute() -> str:
        ...     async with admission.slot(wait_seconds=1.0) as degraded:
        ...         return "full" if degraded is None else f"fallback: {degraded}"
        >>> asyncio.run(compute())
        'full'
    """

    def __init__(self, *, max_in_flight: int, max_waiting: int) -> None:
        if max_in_flight < 1 or max_waiting < 0:
            raise ValueError("max_in_flight must be >= 1 and max_waiting >= 0")
        self.max_in_flight = max_in_flight
        self.max_waiting = max_waiting
        self._slots = asyncio.Semaphore(max_in_flight)
        self._running = 0
        self._waiting = 0

    @property
    def running(self) -> int:
        """Full computations holding a slot now."""
        return self._running

    @property
    def waiting(self) -> int:
        """Computations waiting for a slot now."""
        return self._waiting

    @asynccontextmanager
    async def slot(self, *, wait_seconds: float) -> AsyncIterator[Degrade | None]:
        """Yield ``None`` while holding a slot, or the reason to degrade (no slot held).

        Waits at most ``wait_seconds`` for a slot, and not at all when the line is full.
        """
        reason = await self._acquire(wait_seconds)
        if reason is not None:
            yield reason
            return
        self._running += 1
        try:
            yield None
        finally:
            self._running -= 1
            self._slots.release()

    async def _acquire(self, wait_seconds: float) -> Degrade | None:
        if not self._slots.locked():
            await self._slots.acquire()  # a free slot: returns at once
            return None
        if self._waiting >= self.max_waiting:
            return Degrade.QUEUE_FULL
        if wait_seconds <= 0:
            return Degrade.DEADLINE
        self._waiting += 1
        try:
            async with asyncio.timeout(wait_seconds):
                await self._slots.acquire()
        except TimeoutError:
            return Degrade.DEADLINE
        finally:
            self._waiting -= 1
        return None
