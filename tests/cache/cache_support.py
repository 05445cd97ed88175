"""Helpers for the cache tests (a module of its own: conftest.py is not importable by name)."""

from __future__ import annotations

from segue.cache import BreakerState, CircuitBreaker

__all__ = ["FakeClock", "state_of"]


def state_of(breaker: CircuitBreaker) -> BreakerState:
    """The breaker's state, read afresh: after an ``assert breaker.state is ...``, mypy
    would take the next read to be the state that assert named, whatever ran between."""
    return breaker.state


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
