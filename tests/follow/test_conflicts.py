"""A batch that keeps meeting deadlocks, on PostgreSQL: the long-running follower waits them
out as it waits out an outage, and applies the batch once the other writer is done.

The deadlocks are real: a second connection holds a lock the follower's batch needs (on
``catalog_state``, where the batch stores its cursor last), and each time the batch waits
for it, asks for the follower's own lock (the advisory lock every batch takes first).
PostgreSQL finds the cycle and rolls the follower's transaction back (SQLSTATE 40P01).
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import pytest
import sqlalchemy as sa

from segue.catalog import Database
from segue.follow import FollowOptions, FollowStats, follow, follow_cursor
from segue.follow._apply import _FOLLOW_LOCK_KEY

from .catalog_dump import dump
from .recording import TRACKS, Recording, track_record
from .standin import JetstreamStandIn
from .test_follow import ALICE, WAIT_SECONDS

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

# The batch's own retries (three attempts), and then at least one more by the loop.
_DEADLOCKS = 4
_WAITING_FOR_CATALOG_STATE = """
    SELECT count(*) FROM pg_locks
    WHERE NOT granted AND locktype = 'relation' AND relation = 'catalog_state'::regclass
"""


async def deadlock_the_follower(
    database_url: str, times: int, follower: asyncio.Task[FollowStats]
) -> None:
    """Make ``times`` of the follower's attempts end in a deadlock, then let it through."""
    url = sa.make_url(database_url).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        # The follower's timeout is the default 1 s: it meets the deadlock first, and is
        # the transaction PostgreSQL rolls back.
        await conn.execute("SET deadlock_timeout = '60s'")
        async with conn.transaction():
            await conn.execute("LOCK TABLE catalog_state IN SHARE MODE")
            for _ in range(times):
                # The follower's batch holds its advisory lock and waits for the table...
                while not await conn.fetchval(_WAITING_FOR_CATALOG_STATE):
                    if follower.done():
                        pytest.fail(f"the follower stopped: {follower.exception()!r}")
                    await asyncio.sleep(0.005)
                # ... and this waits for the advisory lock: a cycle. Granted once
                # PostgreSQL has rolled the follower's transaction back.
                await conn.execute("SELECT pg_advisory_lock($1::bigint)", _FOLLOW_LOCK_KEY)
                await conn.execute("SELECT pg_advisory_unlock($1::bigint)", _FOLLOW_LOCK_KEY)
    finally:
        await conn.close()


async def test_a_batch_that_keeps_deadlocking_is_applied_once_the_conflict_clears(
    database: Database, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    rec = Recording()
    track = rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Aurora"))
    async with JetstreamStandIn(rec.events) as jetstream:
        options = FollowOptions(urls=(jetstream.url,), start_cursor=0, backoff_seconds=0.05)
        follower = asyncio.create_task(follow(database, options))
        try:
            async with asyncio.timeout(WAIT_SECONDS + _DEADLOCKS * 2):
                await deadlock_the_follower(database_url, _DEADLOCKS, follower)
                while (await follow_cursor(database) or 0) < track["time_us"]:
                    assert not follower.done(), follower
                    await asyncio.sleep(0.02)
            assert not follower.done()  # still following
        finally:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
    assert [r["title"] for r in (await dump(database))["tracks"]] == ["Aurora"]
    # The loop, not only the batch's own quick retries, waited the conflict out.
    retried = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert retried
    assert "database conflict" in retried[0]
