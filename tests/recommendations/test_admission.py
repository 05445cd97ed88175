"""Admission: a bounded number of full computations, a bounded line, and who degrades."""

from __future__ import annotations

import asyncio

import pytest

from segue.recommendations import Admission, Degrade


async def test_free_slots_admit_at_once():
    admission = Admission(max_in_flight=2, max_waiting=0)
    async with admission.slot(wait_seconds=0) as a, admission.slot(wait_seconds=0) as b:
        assert (a, b) == (None, None)
        assert admission.running == 2
    assert admission.running == 0


async def test_a_full_line_degrades_without_waiting():
    admission = Admission(max_in_flight=1, max_waiting=0)
    async with admission.slot(wait_seconds=10) as first:
        assert first is None
        async with asyncio.timeout(1):  # would hang if it waited for the slot
            async with admission.slot(wait_seconds=10) as second:
                assert second is Degrade.QUEUE_FULL
        assert admission.running == 1


async def test_a_waiter_gets_the_slot_when_it_frees():
    admission = Admission(max_in_flight=1, max_waiting=1)
    release = asyncio.Event()

    async def holder() -> None:
        async with admission.slot(wait_seconds=0) as got:
            assert got is None
            await release.wait()

    task = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiter = asyncio.create_task(_take(admission, wait_seconds=10))
    await asyncio.sleep(0)
    assert admission.waiting == 1
    # the line (1) is full now: a third degrades at once
    assert await _take(admission, wait_seconds=10) is Degrade.QUEUE_FULL
    release.set()
    assert await waiter is None
    await task
    assert (admission.running, admission.waiting) == (0, 0)


async def test_no_slot_before_the_deadline_degrades():
    admission = Admission(max_in_flight=1, max_waiting=4)
    async with admission.slot(wait_seconds=0):
        assert await _take(admission, wait_seconds=0.01) is Degrade.DEADLINE
        assert await _take(admission, wait_seconds=0) is Degrade.DEADLINE
    assert admission.waiting == 0
    assert await _take(admission, wait_seconds=0) is None  # the slot is free again


async def test_a_failing_computation_frees_its_slot():
    admission = Admission(max_in_flight=1, max_waiting=0)
    with pytest.raises(RuntimeError):
        async with admission.slot(wait_seconds=0):
            raise RuntimeError("store down")
    assert await _take(admission, wait_seconds=0) is None


def test_bounds_are_checked():
    with pytest.raises(ValueError, match="max_in_flight"):
        Admission(max_in_flight=0, max_waiting=1)


async def _take(admission: Admission, *, wait_seconds: float) -> Degrade | None:
    async with admission.slot(wait_seconds=wait_seconds) as degraded:
        return degraded
