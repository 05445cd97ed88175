"""Dependencies down: the database gives 503 JSON, Redis costs nothing but the cache."""

from __future__ import annotations

import httpx

from segue.api import create_app
from segue.settings import Settings

from ..support import free_port


async def test_database_down_is_503_json(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/segue",
        database_connect_timeout=1.0,
        cache_backend="memory",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            assert (await c.get("/healthz")).status_code == 200
            r = await c.get("/readyz")
            assert r.status_code == 503
            assert r.json()["dependencies"]["database"] == {
                "ok": False,
                "required": True,
                "status": "unavailable",
                "vectors": None,
            }
            r = await c.get(
                "/me/playlists", headers={"Authorization": f"Bearer segue_{'a' * 16}_{'b' * 43}"}
            )
            assert r.status_code == 503
            assert r.json()["error"] == "database_unavailable"
            assert "Traceback" not in r.text


async def test_redis_down_still_answers(world):
    # The same world, but its cache pointed at a port where no Redis listens.
    from segue.cache import RedisCache, open_cache

    cache = world.app.state.resources.cache
    settings = world.settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    dead = open_cache(Settings.model_validate({**settings.model_dump(), "cache_backend": "redis"}))
    assert isinstance(dead, RedisCache)
    object.__setattr__(world.app.state.resources, "cache", dead)
    try:
        for _ in range(5):
            r = await world.client.get(
                f"/playlists/{world.playlist}/recommendations", headers=world.auth()
            )
            assert r.status_code == 200
            assert r.json()["available"] is True
            assert len(r.json()["tracks"]) == 3
    finally:
        await dead.aclose()
        object.__setattr__(world.app.state.resources, "cache", cache)
