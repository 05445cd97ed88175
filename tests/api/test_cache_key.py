"""The cache key covers what changes the answer (issue 12): the record CID (items), the
index generation (vectors written), the seeds generation (tracks hidden or shown), the
dismissals generation (issue 14; tests/api/test_dismissals.py) and the configuration
(strategy, store, the duplicate and variety rules), and keeps the seed's shape
`...:recommendations:{id}:{cid}`.
"""

from __future__ import annotations

import re

import httpx

from segue.api import create_app
from segue.catalog import Database, bump_index_generation, bump_seeds_generation
from segue.settings import Settings

from .conftest import World


def url(w: World) -> str:
    return f"/playlists/{w.playlist}/recommendations?limit=5"


class StoreCalls:
    """Counts the store's multi-queries (each one a computed recommendation)."""

    def __init__(self, world: World) -> None:
        self.n = 0
        store = world.app.state.resources.store
        original = store.query_many

        async def counting(*args: object, **kwargs: object) -> object:
            self.n += 1
            return await original(*args, **kwargs)

        store.query_many = counting


async def test_the_key_keeps_the_seeds_shape(world: World):
    recommender = world.app.state.resources.recommender
    async with world.app.state.resources.database.reading() as conn:
        from segue.catalog import playlist_head

        head = await playlist_head(conn, world.playlist)
    key = recommender.cache_key(head)
    prefix = re.escape(world.settings.cache_prefix)
    pattern = (
        rf"{prefix}:[0-9a-f]{{8}}\.\d+\.\d+\.\d+:recommendations:{world.playlist}:"
        rf"{head.record_cid}"
    )
    assert re.fullmatch(pattern, key), key


async def test_vectors_written_since_are_a_new_key(world: World, database: Database):
    calls = StoreCalls(world)
    for _ in range(2):
        assert (await world.client.get(url(world), headers=world.auth())).status_code == 200
    assert calls.n == 1  # the second was a hit
    await bump_index_generation(database)
    await world.client.get(url(world), headers=world.auth())
    assert calls.n == 2
    await world.client.get(url(world), headers=world.auth())
    assert calls.n == 2


async def test_a_seed_hidden_or_shown_is_a_new_key(world: World, database: Database):
    calls = StoreCalls(world)
    await world.client.get(url(world), headers=world.auth())
    async with database.sessionmaker() as s:
        await bump_seeds_generation(s, [2])  # track 2 is in the playlist
        await s.commit()
    await world.client.get(url(world), headers=world.auth())
    assert calls.n == 2
    async with database.sessionmaker() as s:
        await bump_seeds_generation(s, [40])  # not in the playlist: its key stays
        await s.commit()
    await world.client.get(url(world), headers=world.auth())
    assert calls.n == 2


async def test_processes_configured_differently_never_share_entries(world: World):
    calls = StoreCalls(world)
    first = (await world.client.get(url(world), headers=world.auth())).json()
    assert calls.n == 1
    other = Settings.model_validate({**world.settings.model_dump(), "strategy": "adaptive"})
    app = create_app(other)
    async with app.router.lifespan_context(app):
        assert app.state.resources.recommender.keys.config != (
            world.app.state.resources.recommender.keys.config
        )
        store = app.state.resources.store
        computed = 0
        original = store.query_many

        async def counting(*args: object, **kwargs: object) -> object:
            nonlocal computed
            computed += 1
            return await original(*args, **kwargs)

        store.query_many = counting
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as c:
            second = (await c.get(url(world), headers=world.auth())).json()
    assert computed == 1  # computed afresh, although the same Redis holds the first answer
    assert second["available"] is True
    assert first["available"] is True
