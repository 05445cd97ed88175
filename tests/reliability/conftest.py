"""Fixtures for the fault tests: servers of their own, and a running app over a small world."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from ..support import PostgresServer, RedisServer
from ._world import SmallWorld


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway cluster per session; a test that stops it starts it again."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.close()


@dataclass
class Outcome:
    playlist: str
    status: int
    seconds: float
    body: dict[str, Any] = field(default_factory=dict)  # the JSON answer
    started: float = 0.0  # time.perf_counter() when the request was sent


async def drive(
    client: httpx.AsyncClient,
    world: SmallWorld,
    playlists: list[str],
    *,
    concurrency: int = 8,
    limit: int = 5,
    on_done: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Ask for the recommendations of each playlist, ``concurrency`` requests at a time.

    ``on_done(n)`` runs after the n-th answer, before its worker sends the next request."""
    queue = list(reversed(playlists))
    out: list[Outcome] = []

    async def worker() -> None:
        while queue:
            pid = queue.pop()
            t0 = time.perf_counter()
            r = await client.get(
                f"/playlists/{pid}/recommendations", params={"limit": limit}, headers=world.auth
            )
            out.append(Outcome(pid, r.status_code, time.perf_counter() - t0, r.json(), t0))
            if on_done is not None:
                on_done(len(out))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return out
