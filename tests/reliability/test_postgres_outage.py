"""PostgreSQL stopped or hanging: 503 JSON within the configured timeouts; back: recovery
without a restart. The test's own PostgreSQL cluster is stopped, or paused with SIGSTOP
(connections stay open and nothing answers), under eight concurrent clients."""

from __future__ import annotations

import asyncio
import secrets
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from segue.catalog import open_database, upgrade
from segue.settings import Settings

from ..support import PostgresServer
from ._world import SmallWorld, running_app, seed

TIMEOUT = 1.0  # the database connect and statement timeouts under test, seconds
# A request may wait for a connection and then for one statement: past twice both
# timeouts, with slack for a loaded machine, it is hanging.
HANG_GUARD = 4 * TIMEOUT + 3.0
CLIENTS = 8
# Once the server is back, the first round must succeed within a few connect timeouts.
RECOVERY_GUARD = 10 * TIMEOUT


@pytest.fixture
async def pg_settings(postgres_server: PostgresServer, tmp_path: Path) -> AsyncIterator[Settings]:
    name = f"segue_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(postgres_server.url(), timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    settings = Settings(
        database_url=postgres_server.url(name),
        database_connect_timeout=TIMEOUT,
        database_statement_timeout=TIMEOUT,
        database_pool_size=4,
        database_max_overflow=4,
        data_dir=tmp_path / "data",
        cache_backend="none",  # every request reaches the database and the store
        ui_dir=tmp_path / "no-ui",
    )
    database = open_database(settings)
    try:
        await upgrade(database)
    finally:
        await database.aclose()
    yield settings
    if not postgres_server.running:  # a failed test may leave it stopped
        postgres_server.start()


async def answers(client, world: SmallWorld) -> list[tuple[int, dict[str, object]]]:
    """Every kind of request that needs the database, CLIENTS of them at once."""
    pid = world.playlists[0]
    paths = [f"/playlists/{pid}", f"/playlists/{pid}/recommendations", "/me/playlists", "/readyz"]
    async with asyncio.timeout(HANG_GUARD):
        responses = await asyncio.gather(
            *(client.get(paths[i % len(paths)], headers=world.auth) for i in range(CLIENTS))
        )
    # /readyz answers each dependency's state rather than an error body.
    return [
        (r.status_code, _readiness_error(r.json()) if r.url.path == "/readyz" else r.json())
        for r in responses
    ]


def _readiness_error(body: dict[str, Any]) -> dict[str, Any]:
    database = body["dependencies"]["database"]
    return body if database["ok"] else {"error": "database_unavailable"}


async def recovered(client, world: SmallWorld, within: float = RECOVERY_GUARD) -> None:
    """Return once one round of requests is all 200; fail if none is within ``within`` s."""
    async with asyncio.timeout(within):
        while True:
            statuses = {s for s, _ in await answers(client, world)}
            if statuses == {200}:
                return
            await asyncio.sleep(TIMEOUT / 4)


@pytest.mark.parametrize("outage", ["stopped", "paused"])
async def test_database_outage_is_503_then_recovers(
    outage: str, pg_settings: Settings, postgres_server: PostgresServer
):
    world = await seed(pg_settings, n_playlists=4)
    async with running_app(pg_settings) as (_app, client):
        assert {s for s, _ in await answers(client, world)} == {200}

        if outage == "stopped":
            postgres_server.stop(signal.SIGINT)  # fast shutdown: connections are closed
        else:
            postgres_server.pause()
        try:
            for _ in range(2):  # again once the pool has noticed
                for status, body in await answers(client, world):
                    assert status == 503
                    assert body["error"] == "database_unavailable"
                    assert "Traceback" not in str(body)
            assert (await client.get("/healthz")).status_code == 200  # alive, not ready
        finally:
            if outage == "stopped":
                postgres_server.start()
            else:
                postgres_server.resume()

        # Back, the same process serves again: broken pooled connections are replaced. A
        # just-restarted server on a loaded machine may miss the first round's connect
        # timeout, so recovery gets a bounded time; then it must hold.
        await recovered(client, world)
        for _ in range(3):
            assert {s for s, _ in await answers(client, world)} == {200}
