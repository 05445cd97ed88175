"""The circuit breaker, on a fake clock: every transition, deterministically."""

from __future__ import annotations

import pytest

from segue.cache import BreakerState, CircuitBreaker

from .cache_support import FakeClock, state_of


def opened(clock: FakeClock, threshold: int = 3, cooldown: float = 5.0) -> CircuitBreaker:
    breaker = CircuitBreaker(failure_threshold=threshold, cooldown_seconds=cooldown, clock=clock)
    for _ in range(threshold):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    return breaker


def test_starts_closed_and_lets_calls_through(clock: FakeClock) -> None:
    breaker = CircuitBreaker(clock=clock)
    assert breaker.state is BreakerState.CLOSED
    assert all(breaker.allow() for _ in range(100))


def test_opens_after_threshold_consecutive_failures(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=3, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow()
    breaker.record_failure()
    assert state_of(breaker) is BreakerState.OPEN
    assert breaker.consecutive_failures == 3


def test_a_success_resets_the_count(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=3, clock=clock)
    for _ in range(10):
        breaker.record_failure()
        breaker.record_failure()
        breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.consecutive_failures == 0


def test_open_refuses_until_the_cooldown_has_passed(clock: FakeClock) -> None:
    breaker = opened(clock, cooldown=5.0)
    assert not breaker.allow()
    clock.advance(4.999)
    assert not breaker.allow()
    clock.advance(0.001)
    assert breaker.allow()
    assert breaker.state is BreakerState.HALF_OPEN


def test_half_open_lets_exactly_one_probe_through(clock: FakeClock) -> None:
    breaker = opened(clock)
    clock.advance(5)
    assert [breaker.allow() for _ in range(5)] == [True, False, False, False, False]


def test_successful_probe_closes(clock: FakeClock) -> None:
    breaker = opened(clock)
    clock.advance(5)
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert all(breaker.allow() for _ in range(10))
    # and it takes a full threshold of new failures to open again
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED


def test_failed_probe_reopens_for_a_fresh_cooldown(clock: FakeClock) -> None:
    breaker = opened(clock, cooldown=5.0)
    clock.advance(7)
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.advance(4.9)
    assert not breaker.allow()
    clock.advance(0.1)
    assert breaker.allow()


def test_released_probe_lets_the_next_caller_probe_at_once(clock: FakeClock) -> None:
    breaker = opened(clock)
    clock.advance(5)
    assert breaker.allow()
    breaker.release()
    assert breaker.allow()
    assert breaker.state is BreakerState.HALF_OPEN


def test_a_probe_that_never_reports_is_replaced_after_a_cooldown(clock: FakeClock) -> None:
    breaker = opened(clock, cooldown=5.0)
    clock.advance(5)
    assert breaker.allow()  # this probe is lost: no success, failure or release
    clock.advance(4.9)
    assert not breaker.allow()
    clock.advance(0.1)
    assert breaker.allow()


def test_release_outside_half_open_changes_nothing(clock: FakeClock) -> None:
    breaker = CircuitBreaker(clock=clock)
    breaker.release()
    assert breaker.state is BreakerState.CLOSED
    breaker = opened(clock)
    breaker.release()
    assert not breaker.allow()


@pytest.mark.parametrize(("threshold", "cooldown"), [(0, 5.0), (3, 0.0), (3, -1.0)])
def test_rejects_nonsense_parameters(threshold: int, cooldown: float) -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker(failure_threshold=threshold, cooldown_seconds=cooldown)
