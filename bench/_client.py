"""HTTP clients for the endpoint benchmark: concurrent workers, each timing its requests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import numpy as np

__all__ = ["Timings", "timed_requests"]

# Seconds: a request slower than this is counted as an error, not waited for.
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Timings:
    seconds: np.ndarray  # one per successful request
    errors: int  # non-200 answers and transport failures
    wall: float  # seconds from the first request to the last answer

    def row(self, label: str) -> str:
        n = self.seconds.size
        p50, p99 = (np.percentile(self.seconds, [50, 99]) * 1e3) if n else (float("nan"),) * 2
        top = self.seconds.max() * 1e3 if n else float("nan")
        rate = (n + self.errors) / self.wall if self.wall else 0.0
        return (
            f"| {label} | {n + self.errors:,} | {p50:.1f} | {p99:.1f} | {top:.1f} "
            f"| {rate:,.0f}/s | {self.errors} |"
        )


async def timed_requests(base_url: str, per_worker: Sequence[Sequence[tuple[str, str]]]) -> Timings:
    """One worker per entry, each sending its (token, path) GETs one after the other."""
    samples: list[float] = []
    errors = 0
    limits = httpx.Limits(
        max_connections=len(per_worker), max_keepalive_connections=len(per_worker)
    )
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT) as c:

        async def worker(jobs: Sequence[tuple[str, str]]) -> None:
            nonlocal errors
            for token, path in jobs:
                t0 = time.perf_counter()
                try:
                    r = await c.get(path, headers={"Authorization": f"Bearer {token}"})
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False  # counted, and the worker goes on
                if ok:
                    samples.append(time.perf_counter() - t0)
                else:
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(jobs) for jobs in per_worker))
        wall = time.perf_counter() - t0
    return Timings(np.asarray(samples), errors, wall)
