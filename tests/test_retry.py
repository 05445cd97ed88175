"""``RetryPolicy``: the one retry policy (issue 20 item 7): its waits, its attempts, and
which errors it retries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segue._retry import RetryPolicy
from segue.errors import DatabaseUnavailable, InvalidInput


@given(
    initial=st.one_of(st.just(0.0), st.floats(1e-6, 10.0)),
    extra=st.floats(0.0, 100.0),
    attempt=st.integers(0, 10_000),
)
def test_a_wait_is_between_half_and_all_of_its_capped_exponential_ceiling(
    initial: float, extra: float, attempt: int
) -> None:
    policy = RetryPolicy(attempts=None, initial=initial, ceiling=initial + extra)
    assert policy.ceiling_of(0) == initial
    # Each ceiling doubles the one before, up to the policy's.
    ceiling = policy.ceiling_of(attempt)
    assert policy.ceiling_of(attempt + 1) == pytest.approx(min(2 * ceiling, policy.ceiling))
    wait = policy.delay(attempt)
    assert ceiling / 2 - 1e-9 <= wait <= ceiling + 1e-9


class Flaky:
    """Fails with ``errors`` in turn, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


FAST = {"initial": 0.001, "ceiling": 0.004}


async def test_retries_until_it_succeeds_and_says_each_wait() -> None:
    work = Flaky(*(DatabaseUnavailable(f"down {n}") for n in range(5)))
    told: list[tuple[str, float]] = []
    result = await RetryPolicy(attempts=None, **FAST).call(
        work, on=DatabaseUnavailable, on_retry=lambda exc, wait: told.append((exc.detail, wait))
    )
    assert (result, work.calls) == ("done", 6)
    assert [detail for detail, _ in told] == [f"down {n}" for n in range(5)]
    assert all(0.0005 <= wait <= 0.004 for _, wait in told)


async def test_gives_up_after_its_attempts_with_the_last_error() -> None:
    work = Flaky(*(DatabaseUnavailable(f"down {n}") for n in range(5)))
    with pytest.raises(DatabaseUnavailable, match="down 2"):
        await RetryPolicy(attempts=3, **FAST).call(work, on=DatabaseUnavailable)
    assert work.calls == 3


async def test_other_errors_and_refused_ones_are_raised_at_once() -> None:
    work = Flaky(InvalidInput("bad"))
    with pytest.raises(InvalidInput):
        await RetryPolicy(attempts=None, **FAST).call(work, on=DatabaseUnavailable)
    assert work.calls == 1
    refused = Flaky(DatabaseUnavailable("schema"))
    with pytest.raises(DatabaseUnavailable):
        await RetryPolicy(attempts=None, **FAST).call(
            refused, on=DatabaseUnavailable, when=lambda exc: "schema" not in exc.detail
        )
    assert refused.calls == 1


def test_a_policy_that_could_never_try_is_refused() -> None:
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0, initial=0.0, ceiling=1.0)
    with pytest.raises(ValueError, match="initial"):
        RetryPolicy(attempts=1, initial=2.0, ceiling=1.0)
