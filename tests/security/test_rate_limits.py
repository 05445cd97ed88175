"""Per-token rate limits (issue 13, point 3), by behaviour, never by timing.

A script past a budget gets 429 with ``Retry-After`` and the usual error body; an editor,
even one faster than any person, never does; a cache hit spends no miss; the budgets are
shared by two app instances through Redis; ``SEGUE_RATE_LIMITS=off`` turns them off; a
Redis that stops does not stop requests. Also the cap on playlists per user, and the
ownership check that comes before a playlist's rows are read or locked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from segue.api import create_app
from segue.catalog import Database
from segue.settings import Settings

from ..api.conftest import World
from ..support import RedisServer

POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


# The budgets are per minute, counted by the limits library's sliding window counter: past
# a minute boundary it weighs the previous minute's count down with the time elapsed, so a
# test that straddles one may be allowed a request more than it asked for. The tests count
# exact answers, so they start with enough of the current minute left to finish inside it.
_MINUTE_LEFT_NEEDED = 25.0


async def within_one_window() -> None:
    """Wait, if need be, for a minute boundary, so what follows runs inside one window."""
    left = 60.0 - time.time() % 60.0
    if left < _MINUTE_LEFT_NEEDED:
        await asyncio.sleep(left + 0.05)


@asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Another app instance (as another worker or machine would run) over the same catalog."""
    await within_one_window()
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as c:
            yield c


def tuned(world: World, **changes: Any) -> Settings:
    return Settings.model_validate({**world.settings.model_dump(), **changes})


def reorder(world: World, n: int) -> tuple[str, dict[str, list[int]]]:
    """The n-th of a script's reorders of alice's playlist (alternating two orders)."""
    order = [1, 2, 3, 4] if n % 2 else [4, 3, 2, 1]
    return f"/playlists/{world.playlist}/tracks", {"track_ids": order}


def assert_rate_limited(r: httpx.Response, budget: str) -> None:
    assert r.status_code == 429, r.text
    body = r.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == "rate_limited"
    assert budget in body["detail"]
    assert 1 <= int(r.headers["Retry-After"]) <= 60


async def test_a_script_is_refused_with_429_and_retry_after(world: World):
    """Default budgets: a loop of writes meets the write budget; reads and other tokens go on."""
    c, h = world.client, world.auth()
    refused = None
    done = 0
    for n in range(world.settings.rate_limit_writes_per_minute + 10):
        path, body = reorder(world, n)
        r = await c.put(path, json=body, headers=h)
        if r.status_code != 200:
            refused = r
            break
        done += 1
    assert refused is not None, "a script's writes were never refused"
    assert_rate_limited(refused, "write")
    assert done <= world.settings.rate_limit_writes_per_minute
    # Reads have their own budget, and another token its own.
    assert (await c.get(f"/playlists/{world.playlist}", headers=h)).status_code == 200
    r = await c.post(
        f"/playlists/{world.bobs}/tracks", json={"track_id": 17}, headers=world.auth(world.bob)
    )
    assert r.status_code == 200, r.text


async def test_an_editors_pace_never_meets_the_limits(world: World):
    """A brisk editing session, sent back to back (far faster than anyone clicks): a
    minute's worth of adding recommended tracks, re-reading, searching and reordering."""
    c, h = world.client, world.auth()
    base = f"/playlists/{world.playlist}"
    statuses: list[int] = []
    for word in ("t", "tr", "tra", "trac", "track", "track 2"):  # search as they type
        statuses.append((await c.get("/tracks", params={"q": word}, headers=h)).status_code)
    for _ in range(40):
        recs = await c.get(f"{base}/recommendations?limit=3", headers=h)
        statuses.append(recs.status_code)
        tracks = recs.json()["tracks"]
        if not tracks:
            break
        added = await c.post(f"{base}/tracks", json={"track_id": tracks[0]["id"]}, headers=h)
        statuses.append(added.status_code)
        statuses.append((await c.get(base, headers=h)).status_code)
        statuses.append((await c.get("/me/playlists", headers=h)).status_code)
    ids = [t["id"] for t in (await c.get(base, headers=h)).json()["tracks"]]
    for _ in range(10):  # drags
        ids = ids[1:] + ids[:1]
        statuses.append(
            (await c.put(f"{base}/tracks", json={"track_ids": ids}, headers=h)).status_code
        )
    assert len(statuses) > 150
    assert set(statuses) == {200}, [s for s in statuses if s != 200]


async def test_hits_are_free_and_misses_have_a_budget_of_their_own(world: World):
    settings = tuned(world, rate_limit_misses_per_minute=3)
    async with client_for(settings) as c:
        h, base = world.auth(), f"/playlists/{world.playlist}"
        first = await c.get(f"{base}/recommendations", headers=h)  # miss 1
        assert first.status_code == 200
        assert first.json()["available"] is True
        for _ in range(20):  # hits: the same version of the playlist, cached
            r = await c.get(f"{base}/recommendations", headers=h)
            assert r.status_code == 200, r.text
            assert r.json() == first.json()
        misses = []
        for track in (20, 21, 22):  # each edit makes a new version: a miss
            assert (
                await c.post(f"{base}/tracks", json={"track_id": track}, headers=h)
            ).status_code == 200
            misses.append(await c.get(f"{base}/recommendations", headers=h))
        assert [r.status_code for r in misses] == [200, 200, 429]
        assert_rate_limited(misses[-1], "miss")
        # Reads of the playlist are not misses.
        assert (await c.get(base, headers=h)).status_code == 200
        # An empty playlist computes nothing, so it costs no miss.
        r = await c.get(f"/playlists/{world.empty}/recommendations", headers=h)
        assert r.status_code == 200
        assert r.json()["available"] is False


@POSTGRES_ONLY
async def test_two_instances_share_one_budget_through_redis(world: World):
    settings = tuned(world, rate_limit_writes_per_minute=10)
    assert settings.redis_url is not None
    async with client_for(settings) as a, client_for(settings) as b:
        statuses = []
        for n in range(16):
            path, body = reorder(world, n)
            client = a if n % 2 else b
            statuses.append((await client.put(path, json=body, headers=world.auth())).status_code)
    assert statuses == [200] * 10 + [429] * 6


async def test_without_redis_each_instance_counts_on_its_own(world: World):
    settings = tuned(world, rate_limit_writes_per_minute=5, redis_url=None, cache_backend="memory")
    async with client_for(settings) as a, client_for(settings) as b:
        statuses: dict[str, list[int]] = {"a": [], "b": []}
        for n in range(14):
            path, body = reorder(world, n)
            name, client = ("a", a) if n % 2 else ("b", b)
            statuses[name].append(
                (await client.put(path, json=body, headers=world.auth())).status_code
            )
    assert statuses["a"] == [200] * 5 + [429] * 2
    assert statuses["b"] == [200] * 5 + [429] * 2


async def test_the_off_switch(world: World):
    settings = tuned(
        world, rate_limits=False, rate_limit_writes_per_minute=1, rate_limit_reads_per_minute=1
    )
    async with client_for(settings) as c:
        for n in range(10):
            path, body = reorder(world, n)
            assert (await c.put(path, json=body, headers=world.auth())).status_code == 200
            assert (
                await c.get(path.removesuffix("/tracks"), headers=world.auth())
            ).status_code == 200


def test_the_off_switch_reads_on_and_off(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEGUE_RATE_LIMITS", "off")
    assert Settings().rate_limits is False
    monkeypatch.setenv("SEGUE_RATE_LIMITS", "on")
    assert Settings().rate_limits is True
    monkeypatch.delenv("SEGUE_RATE_LIMITS")
    assert Settings().rate_limits is True  # on unless turned off


def errors_counted() -> float:
    return REGISTRY.get_sample_value("segue_rate_limit_errors_total") or 0.0


@POSTGRES_ONLY
async def test_a_stopped_redis_is_not_an_outage(
    world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    """Redis stops: every request still answers; the budgets are kept per process meanwhile
    (a script is still refused), the failure is logged and counted."""
    server = RedisServer().start()
    try:
        settings = tuned(
            world,
            redis_url=server.url,
            cache_prefix="segue-limits-outage",
            rate_limit_writes_per_minute=6,
            redis_timeout_ms=100,
        )
        async with client_for(settings) as c:
            path, body = reorder(world, 0)
            assert (await c.put(path, json=body, headers=world.auth())).status_code == 200
            assert server.command_calls("evalsha") + server.command_calls("eval") >= 1
            server.stop()
            before = errors_counted()
            statuses = []
            for n in range(10):
                path, body = reorder(world, n)
                statuses.append((await c.put(path, json=body, headers=world.auth())).status_code)
                reads = await c.get(f"/playlists/{world.playlist}", headers=world.auth())
                assert reads.status_code == 200
            # No 5xx; past the budget the process's own counters refuse (the one write
            # counted in Redis before it stopped is not known to them).
            assert statuses == [200] * 6 + [429] * 4
            assert errors_counted() > before
            assert "Redis unavailable" in caplog.text
    finally:
        server.close()


# -- the cap on playlists, and ownership before rows -------------------------------------


async def test_a_user_has_at_most_the_configured_playlists(world: World):
    settings = tuned(world, max_playlists_per_user=4)
    async with client_for(settings) as c:
        made = [
            await c.post("/playlists", json={"name": f"P{i}"}, headers=world.auth())
            for i in range(3)
        ]
    # alice had two already: two more fit, the third is refused with a clear message.
    assert [r.status_code for r in made] == [201, 201, 409]
    assert made[-1].json()["error"] == "conflict"
    assert "at most 4 playlists" in made[-1].json()["detail"]
    async with client_for(settings) as c:
        r = await c.get("/me/playlists", headers=world.auth())
        assert len(r.json()["playlists"]) == 4
        bob = await c.post("/playlists", json={"name": "Bob's 2"}, headers=world.auth(world.bob))
        assert bob.status_code == 201  # the cap is per user


@asynccontextmanager
async def statements(database: Database) -> AsyncIterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = database.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


async def test_someone_elses_playlist_is_refused_before_its_rows_are_read(world: World):
    database = world.app.state.resources.database
    c, bob, base = world.client, world.auth(world.bob), f"/playlists/{world.playlist}"
    attempts = [
        ("GET", base, None),
        ("GET", f"{base}/recommendations", None),
        ("POST", f"{base}/tracks", {"track_id": 30}),
        ("PUT", f"{base}/tracks", {"track_ids": [4, 3, 2, 1]}),
        ("DELETE", f"{base}/tracks/1", None),
        ("POST", f"{base}/recommendations/dismissed", {"track_id": 30}),
        ("DELETE", f"{base}/recommendations/dismissed/30", None),
    ]
    for method, path, body in attempts:
        async with statements(database) as seen:
            r = await c.request(method, path, json=body, headers=bob)
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["error"] == "forbidden"
        touched = [
            s for s in seen if "playlist_items" in s or "FOR UPDATE" in s or "UPDATE playlists" in s
        ]
        assert not touched, (method, path, touched)


@POSTGRES_ONLY
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/tracks", {"track_ids": [4, 3, 2, 1]}),
        ("POST", "/recommendations/dismissed", {"track_id": 30}),
        ("DELETE", "/recommendations/dismissed/30", None),
    ],
)
async def test_someone_elses_write_does_not_wait_for_the_owners_lock(
    world: World, database: Database, method: str, path: str, body: object
):
    """While the owner's edit holds the playlist's row lock, another user's reorder or
    dismissal is refused at once (403), instead of queueing behind the lock until the
    statement times out (503)."""
    settings = tuned(world, database_statement_timeout=2.0)
    async with client_for(settings) as c, database.engine.connect() as owner:
        await owner.execute(
            sa.text("SELECT id FROM playlists WHERE id = :id FOR UPDATE"), {"id": world.playlist}
        )
        try:
            r = await asyncio.wait_for(
                c.request(
                    method,
                    f"/playlists/{world.playlist}{path}",
                    json=body,
                    headers=world.auth(world.bob),
                ),
                timeout=30,  # a hang guard only
            )
        finally:
            await owner.rollback()
    assert r.status_code == 403, r.text


async def test_a_next_page_read_from_the_cached_ranking_spends_no_miss(world: World):
    settings = tuned(world, rate_limit_misses_per_minute=1)
    async with client_for(settings) as c:
        h, recs = world.auth(), f"/playlists/{world.playlist}/recommendations"
        pages = [await c.get(f"{recs}?limit=3&offset={offset}", headers=h) for offset in (0, 3, 6)]
        assert [r.status_code for r in pages] == [200, 200, 200], pages[-1].text
        ids = [t["id"] for r in pages for t in r.json()["tracks"]]
        assert len(ids) == len(set(ids)) == 9
        # The budget is spent by the first page's miss: a new version is refused.
        await c.post(f"/playlists/{world.playlist}/tracks", json={"track_id": 20}, headers=h)
        assert_rate_limited(await c.get(recs, headers=h), "miss")


async def test_signing_out_is_never_refused(world: World):
    """A token that spent its writes can still be revoked: a 429 to "Sign out" would
    leave it working (the UI forgets it anyway), and revoking is nothing to slow down."""
    settings = tuned(world, rate_limit_writes_per_minute=1)
    async with client_for(settings) as c:
        h = world.auth()
        assert (await c.post("/playlists", json={"name": "One"}, headers=h)).status_code == 201
        assert_rate_limited(await c.post("/playlists", json={"name": "Two"}, headers=h), "write")
        r = await c.post("/auth/logout", headers=h)
        assert r.status_code == 204, r.text
        assert (await c.get("/me", headers=h)).status_code == 401


async def test_a_hit_spends_its_read_in_the_cache_round_trip_and_is_refused_once_spent(
    world: World,
):
    """Issue 20: a recommendation request's read is charged with its cache look-up, not
    before it, and still counts: hits, other reads and refused requests draw on one
    budget, and once it is spent a hit is a 429 with Retry-After."""
    settings = tuned(world, rate_limit_reads_per_minute=6)
    async with client_for(settings) as c:
        h, recs = world.auth(), f"/playlists/{world.playlist}/recommendations"
        statuses = [(await c.get(recs, headers=h)).status_code for _ in range(3)]  # miss, hits
        statuses.append((await c.get(f"/playlists/{world.playlist}", headers=h)).status_code)
        # Refused requests spend a read too, as when the read was charged first.
        statuses.append((await c.get("/playlists/no-such-playlist/recommendations",
                                     headers=h)).status_code)  # fmt: skip
        assert (await c.get(recs, headers=world.auth(world.bob))).status_code == 403  # bob's
        statuses.append((await c.get(recs, headers=h)).status_code)  # the sixth: the last
        assert statuses == [200, 200, 200, 200, 404, 200]
        refused = await c.get(recs, headers=h)
        assert_rate_limited(refused, "read")
        # Spent, a refused request is a 429 before it is anything else.
        assert_rate_limited(await c.get("/playlists/nope/recommendations", headers=h), "read")
        # Another token's budget is its own.
        assert (await c.get(f"/playlists/{world.bobs}/recommendations",
                            headers=world.auth(world.bob))).status_code == 200  # fmt: skip
