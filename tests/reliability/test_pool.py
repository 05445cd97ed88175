"""A request waiting for the vector store holds no database connection: under load, slow
searches must not drain the pool and turn every other request into a 503."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from segue.settings import Settings

from ._world import running_app, seed

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


async def test_no_connection_is_held_while_the_store_searches(settings: Settings, tmp_path: Path):
    s = Settings.model_validate(
        {
            **settings.model_dump(),
            "database_pool_size": 1,
            "database_max_overflow": 0,
            "database_connect_timeout": 1.0,  # also how long a request waits for the pool
            "cache_backend": "none",
            "ui_dir": tmp_path / "no-ui",
        }
    )
    world = await seed(s, n_playlists=2)
    async with running_app(s) as (app, client):
        resources = app.state.resources
        searching, release = asyncio.Event(), asyncio.Event()
        original = resources.store.query_many

        async def slow(*args, **kwargs):
            searching.set()
            await release.wait()
            return await original(*args, **kwargs)

        resources.store.query_many = slow
        async with asyncio.timeout(10):
            pending = asyncio.create_task(
                client.get(f"/playlists/{world.playlists[0]}/recommendations", headers=world.auth)
            )
            await searching.wait()
            assert resources.database.engine.pool.checkedout() == 0
            # The pool's only connection is free for someone else meanwhile.
            other = await client.get(f"/playlists/{world.playlists[1]}", headers=world.auth)
            assert other.status_code == 200
            release.set()
            r = await pending
        assert r.status_code == 200
        assert r.json()["available"] is True
