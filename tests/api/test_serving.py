"""The recommendation service under the API: what a hit reads, the token cache, degrading.

Real catalog (PostgreSQL with Redis, SQLite with the in-process cache) and a real local
index, as in the rest of tests/api.
"""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from segue.api._auth import Authenticator
from segue.catalog import (
    Database,
    create_token,
    ensure_user,
    playlist_head,
    revoke_token,
    token_id_of,
)
from segue.errors import Unauthorized
from segue.recommendations import Admission

from ..support import asyncpg_own
from .conftest import World


def url(playlist: str, limit: int = 3) -> str:
    return f"/playlists/{playlist}/recommendations?limit={limit}"


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_hit_reads_the_head_and_hydrates_nothing_more(world: World):
    engine = world.app.state.resources.database.engine.sync_engine
    statements: list[str] = []

    # Every statement the database is sent, by either path: SQLAlchemy's cursor (SQLite,
    # sessions) or, on PostgreSQL, asyncpg's own connection (the hit's reads, _driver.py),
    # which asyncpg's query logger sees on each connection as it is checked out.
    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    def logged(query) -> None:
        if not asyncpg_own(query.query):
            statements.append(query.query)

    def on_checkout(_dbapi, _record, proxy) -> None:
        driver = proxy.driver_connection
        if hasattr(driver, "add_query_logger"):
            driver.add_query_logger(logged)

    first = await world.client.get(url(world.playlist), headers=world.auth())  # the miss
    sa.event.listen(engine, "before_cursor_execute", record)
    sa.event.listen(engine.pool, "checkout", on_checkout)
    try:
        hits = metric("segue_recommendation_cache_total", result="hit")
        second = await world.client.get(url(world.playlist), headers=world.auth())
        await asyncio.sleep(0)  # asyncpg calls its query loggers with call_soon
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
        sa.event.remove(engine.pool, "checkout", on_checkout)
    assert second.json() == first.json()
    assert metric("segue_recommendation_cache_total", result="hit") == hits + 1
    # The token was verified by the miss (and is remembered): the owner and CID, then one
    # hydration. Never the playlist's items.
    assert len(statements) == 2, statements
    assert "record_cid" in statements[0]
    assert "artists" in statements[1]
    assert not any("playlist_items" in s for s in statements)


async def test_a_miss_counts_and_times_the_store(world: World):
    misses = metric("segue_recommendation_cache_total", result="miss")
    queries = metric("segue_vector_store_duration_seconds_count", operation="query_many")
    r = await world.client.get(url(world.playlist), headers=world.auth())
    assert r.json()["available"] is True
    assert metric("segue_recommendation_cache_total", result="miss") == misses + 1
    assert metric("segue_vector_store_duration_seconds_count", operation="query_many") == (
        queries + 1
    )


async def test_unavailable_answers_count_their_reason(world: World):
    before = metric("segue_recommendations_unavailable_total", reason="empty_playlist")
    r = await world.client.get(url(world.empty), headers=world.auth())
    assert r.json() == {"tracks": [], "available": False, "more": False}
    after = metric("segue_recommendations_unavailable_total", reason="empty_playlist")
    assert after == before + 1


async def _user_and_token(database: Database) -> tuple[str, str]:
    async with database.sessionmaker() as s:
        user = await ensure_user(s, "did:plc:carol", "carol.example.com", None)
        issued = await create_token(s, user.did)
    return user.did, issued.token


async def test_a_revoked_token_stops_working_within_the_cache_bound(database: Database):
    did, token = await _user_and_token(database)
    now = [100.0]
    auth = Authenticator(database, ttl_seconds=5, clock=lambda: now[0])
    assert (await auth.user(token)).did == did
    async with database.sessionmaker() as s:
        await revoke_token(s, token_id_of(token))
    now[0] += 4.9
    assert (await auth.user(token)).did == did  # still remembered: the documented bound
    now[0] += 0.1
    with pytest.raises(Unauthorized, match="revoked"):
        await auth.user(token)


async def test_without_the_token_cache_revocation_is_immediate(database: Database):
    _, token = await _user_and_token(database)
    auth = Authenticator(database, ttl_seconds=0)
    await auth.user(token)
    async with database.sessionmaker() as s:
        await revoke_token(s, token_id_of(token))
    with pytest.raises(Unauthorized, match="revoked"):
        await auth.user(token)


async def test_an_invalid_token_is_never_remembered(database: Database):
    auth = Authenticator(database, ttl_seconds=5)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await auth.user("segue_aaaaaaaaaaaaaaaa_" + "x" * 43)


class Gate:
    """Holds the store's first multi-query until released, so that computation stays in
    flight; later queries pass straight through to the real store."""

    def __init__(self, world: World) -> None:
        self.store = world.app.state.resources.store
        self.original = self.store.query_many
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, *args: object, **kwargs: object) -> object:
        if not self.entered.is_set():
            self.entered.set()
            await self.release.wait()
        return await self.original(*args, **kwargs)

    def __enter__(self) -> Gate:
        self.store.query_many = self
        return self

    def __exit__(self, *exc: object) -> None:
        self.store.query_many = self.original
        self.release.set()


async def _second_playlist(world: World) -> str:
    r = await world.client.post("/playlists", json={"name": "Other"}, headers=world.auth())
    other = r.json()["id"]
    for track in (20, 21, 22):
        r = await world.client.post(
            f"/playlists/{other}/tracks", json={"track_id": track}, headers=world.auth()
        )
        assert r.status_code == 200, r.text
    return str(other)


@pytest.mark.parametrize(
    ("max_waiting", "reason"), [(0, "queue_full"), (4, "deadline")], ids=["full", "deadline"]
)
async def test_a_busy_process_answers_with_the_fallback_plan(world: World, max_waiting, reason):
    recommender = world.app.state.resources.recommender
    recommender.admission = Admission(max_in_flight=1, max_waiting=max_waiting)
    recommender.timeout_seconds = 1.0  # waits at most 0.5 s for a slot
    other = await _second_playlist(world)
    fallbacks = metric("segue_recommendation_fallbacks_total", reason=reason)
    with Gate(world) as gate:
        busy = asyncio.create_task(world.client.get(url(world.playlist), headers=world.auth()))
        await asyncio.wait_for(gate.entered.wait(), 5)  # the only slot is taken
        r = await world.client.get(url(other, limit=5), headers=world.auth())
    assert r.status_code == 200
    body = r.json()
    assert body["available"] is True
    assert len(body["tracks"]) == 5
    assert not {20, 21, 22} & {t["id"] for t in body["tracks"]}
    assert metric("segue_recommendation_fallbacks_total", reason=reason) == fallbacks + 1
    assert (await busy).json()["available"] is True
    # The cheaper ranking is kept only briefly: the next request after it computes in full.
    cache = world.app.state.resources.cache
    async with world.app.state.resources.database.reading() as conn:
        key = recommender.cache_key(await playlist_head(conn, other))
    ttl = await _remaining_ttl(cache, key)
    assert 0 < ttl <= recommender.fallback_ttl_seconds


async def _remaining_ttl(cache: object, key: str) -> float:
    remaining = getattr(cache, "remaining_ttl", None)
    if remaining is not None:  # the in-process cache
        return float(remaining(key) or 0.0)
    client = cache.link.client  # type: ignore[attr-defined]  # the Redis cache's link
    return float(await client.pttl(key)) / 1000


async def test_a_slot_too_late_for_the_full_plan_runs_the_fallback(world: World):
    recommender = world.app.state.resources.recommender
    recommender.admission = Admission(max_in_flight=1, max_waiting=4)
    other = await _second_playlist(world)
    fallbacks = metric("segue_recommendation_fallbacks_total", reason="deadline")
    with Gate(world) as gate:
        busy = asyncio.create_task(world.client.get(url(world.playlist), headers=world.auth()))
        await asyncio.wait_for(gate.entered.wait(), 5)  # the only slot is taken
        # Recent full computations took longer than a whole request may: the slot the
        # second request gets after waiting is too late to start one.
        recommender.full_cost_seconds = recommender.timeout_seconds * 2
        waiting = asyncio.create_task(world.client.get(url(other), headers=world.auth()))
        await asyncio.sleep(0.2)
        gate.release.set()
        r = await waiting
    assert r.json()["available"] is True
    assert metric("segue_recommendation_fallbacks_total", reason="deadline") == fallbacks + 1
    assert (await busy).json()["available"] is True


async def test_an_idle_process_runs_the_full_plan_and_recovers(world: World):
    recommender = world.app.state.resources.recommender
    # A past overload left a huge estimate: a free slot still runs the full plan (no
    # fallback), and the estimate comes down with it.
    recommender.full_cost_seconds = recommender.timeout_seconds * 10
    fallbacks = metric("segue_recommendation_fallbacks_total", reason="deadline")
    r = await world.client.get(url(world.playlist), headers=world.auth())
    assert r.json()["available"] is True
    assert metric("segue_recommendation_fallbacks_total", reason="deadline") == fallbacks
    assert recommender.full_cost_seconds < recommender.timeout_seconds * 10


async def test_full_computations_keep_a_moving_cost(world: World):
    recommender = world.app.state.resources.recommender
    assert recommender.full_cost_seconds == 0.0
    await world.client.get(url(world.playlist), headers=world.auth())
    assert recommender.full_cost_seconds > 0.0
