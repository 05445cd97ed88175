"""SingleFlight: concurrent misses for one key compute once; nothing leaks."""

from __future__ import annotations

import asyncio
import gc
import uuid

import pytest

from segue.cache import RedisCache, SingleFlight

from ..support import REDIS_URL

GUARD = 2.0  # seconds; only against hanging


class Computation:
    """A compute function that counts its runs and finishes when released."""

    def __init__(self, result: object = None, error: Exception | None = None) -> None:
        self.runs = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.result = result
        self.error = error

    async def __call__(self) -> object:
        self.runs += 1
        self.started.set()
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return self.result


async def test_concurrent_callers_of_one_key_compute_once() -> None:
    flight = SingleFlight()
    compute = Computation(result=[1, 2, 3])
    callers = [asyncio.create_task(flight.run("k", compute)) for _ in range(20)]
    await asyncio.wait_for(compute.started.wait(), GUARD)
    await asyncio.sleep(0.01)  # every caller has joined by now
    assert len(flight) == 1
    compute.release.set()
    results = await asyncio.wait_for(asyncio.gather(*callers), GUARD)
    assert compute.runs == 1
    assert results == [[1, 2, 3]] * 20
    assert len(flight) == 0


async def test_different_keys_compute_separately_and_concurrently() -> None:
    flight = SingleFlight()
    both_running = asyncio.Barrier(2)  # each compute waits for the other: proof they overlap

    async def compute(value: str) -> str:
        await both_running.wait()
        return value

    async with asyncio.timeout(GUARD):
        got = await asyncio.gather(
            flight.run("a", lambda: compute("A")), flight.run("b", lambda: compute("B"))
        )
    assert list(got) == ["A", "B"]
    assert len(flight) == 0


async def test_an_error_reaches_every_waiter_and_the_next_call_recomputes() -> None:
    flight = SingleFlight()
    failing = Computation(error=LookupError("vector store said no"))
    callers = [asyncio.create_task(flight.run("k", failing)) for _ in range(10)]
    await asyncio.wait_for(failing.started.wait(), GUARD)
    failing.release.set()
    outcomes = await asyncio.wait_for(asyncio.gather(*callers, return_exceptions=True), GUARD)
    assert failing.runs == 1
    assert all(isinstance(o, LookupError) and str(o) == "vector store said no" for o in outcomes)
    assert len(flight) == 0

    succeeding = Computation(result="fresh")
    succeeding.release.set()
    assert await asyncio.wait_for(flight.run("k", succeeding), GUARD) == "fresh"
    assert succeeding.runs == 1


async def test_sequential_calls_each_compute() -> None:
    flight = SingleFlight()
    compute = Computation(result=1)
    compute.release.set()
    for _ in range(3):
        assert await flight.run("k", compute) == 1
    assert compute.runs == 3


async def test_a_cancelled_waiter_does_not_cancel_the_others() -> None:
    flight = SingleFlight()
    compute = Computation(result="ok")
    leader = asyncio.create_task(flight.run("k", compute))
    await asyncio.wait_for(compute.started.wait(), GUARD)
    follower = asyncio.create_task(flight.run("k", compute))
    await asyncio.sleep(0.01)
    leader.cancel()  # the caller that started the computation goes away
    with pytest.raises(asyncio.CancelledError):
        await leader
    compute.release.set()
    assert await asyncio.wait_for(follower, GUARD) == "ok"
    assert compute.runs == 1


async def test_computation_finishes_when_every_waiter_is_gone() -> None:
    flight = SingleFlight()
    compute = Computation(result="stored")
    finished = asyncio.Event()

    async def compute_and_store() -> object:
        result = await compute()
        finished.set()  # e.g. cache.set(...) for the next request
        return result

    caller = asyncio.create_task(flight.run("k", compute_and_store))
    await asyncio.wait_for(compute.started.wait(), GUARD)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    compute.release.set()
    await asyncio.wait_for(finished.wait(), GUARD)
    await asyncio.sleep(0)  # the done-callback forgets the key
    assert len(flight) == 0


async def test_an_error_nobody_waits_for_is_not_reported_as_never_retrieved() -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        flight = SingleFlight()
        compute = Computation(error=LookupError("lost"))
        caller = asyncio.create_task(flight.run("k", compute))
        await asyncio.wait_for(compute.started.wait(), GUARD)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        compute.release.set()
        for _ in range(3):
            await asyncio.sleep(0)
        assert len(flight) == 0
        del caller
        gc.collect()  # an unretrieved task exception is reported when the task is collected
        assert reported == []
    finally:
        loop.set_exception_handler(None)


async def test_concurrent_misses_hit_redis_once_computed_once(
    key_prefix: str,
) -> None:
    """The way the API uses it: get; on a miss compute-and-store under SingleFlight."""
    cache = RedisCache.from_url(REDIS_URL, ttl_seconds=60, timeout_seconds=0.5)
    flight = SingleFlight()
    key = f"{key_prefix}:recommendations:pl-{uuid.uuid4().hex[:8]}:bafyreisf"
    runs = 0

    async def compute_and_store() -> list[int]:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.05)  # the engine's two round trips
        ids = [5, 3, 9]
        await cache.set(key, ids)
        return ids

    async def request() -> list[int]:
        ids: list[int] | None = await cache.get(key)
        if ids is None:
            ids = await flight.run(key, compute_and_store)
        return ids

    try:
        async with asyncio.timeout(GUARD):
            first_wave = await asyncio.gather(*(request() for _ in range(16)))
            second_wave = await asyncio.gather(*(request() for _ in range(16)))
        assert first_wave == second_wave == [[5, 3, 9]] * 16
        assert runs == 1
        assert cache.stats.hits >= 16  # the whole second wave
    finally:
        await cache.aclose()


async def test_aclose_cancels_what_is_still_running():
    flight = SingleFlight()
    started = asyncio.Event()

    async def forever() -> list[int]:
        started.set()
        await asyncio.sleep(3600)
        return [1]

    waiter = asyncio.create_task(flight.run("k", forever))
    await started.wait()
    assert len(flight) == 1
    await flight.aclose()
    assert len(flight) == 0
    with pytest.raises(asyncio.CancelledError):
        await waiter
