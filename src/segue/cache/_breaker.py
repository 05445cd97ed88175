"""A circuit breaker: stop calling a failing dependency for a while, then probe it once."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

__all__ = ["BreakerState", "CircuitBreaker"]

Clock = Callable[[], float]


class BreakerState(StrEnum):
    CLOSED = "closed"  # calls go through
    OPEN = "open"  # calls are refused until the cool-down has passed
    HALF_OPEN = "half_open"  # one probe call is in flight; its outcome decides


class CircuitBreaker:
    """Stops calling a dependency after consecutive failures, then probes it once.

    Not thread-safe; meant for one event loop, where it needs no lock.

    >>> now = [0.0]
    >>> breaker = CircuitBreaker(failure_threshold=2, cooldown_seconds=5, clock=lambda: now[0])
    >>> breaker.record_failure(); breaker.record_failure(); breaker.state
    <BreakerState.OPEN: 'open'>
    >>> breaker.allow()
    False
    >>> now[0] = 5.0
    >>> breaker.allow(), breaker.allow()  # one probe only
    (True, False)
    >>> breaker.record_success(); breaker.state
    <BreakerState.CLOSED: 'closed'>
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 3,
        cooldown_seconds: float = 5.0,
        clock: Clock = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or cooldown_seconds <= 0:
            raise ValueError("failure_threshold must be >= 1 and cooldown_seconds > 0")
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        # when the circuit opened, or when the current probe was let through
        self._since = 0.0

    @property
    def state(self) -> BreakerState:
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def allow(self) -> bool:
        """Whether a call may go out now; ``True`` in half-open means "you are the probe"."""
        if self._state is BreakerState.CLOSED:
            return True
        # A probe that never reported back (its task was cancelled) must not keep the
        # circuit half-open forever: after one more cool-down another probe may go.
        if self._clock() - self._since < self.cooldown_seconds:
            return False
        self._state = BreakerState.HALF_OPEN
        self._since = self._clock()
        return True

    def record_success(self) -> None:
        self._state = BreakerState.CLOSED
        self._failures = 0

    def record_failure(self) -> None:
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN or self._failures >= self.failure_threshold:
            self._state = BreakerState.OPEN
            self._since = self._clock()

    def release(self) -> None:
        """The call ended without a verdict (cancelled): let the next caller probe at once."""
        if self._state is BreakerState.HALF_OPEN:
            self._state = BreakerState.OPEN
            self._since = self._clock() - self.cooldown_seconds
