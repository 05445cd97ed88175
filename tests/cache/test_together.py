"""``send_together``: a pipeline's commands in one round trip, answered as
``Pipeline.execute(raise_on_error=False)`` answers them, and a connection that timed out
mid-answer never handed on with its replies still to come (issue 20 item 3)."""

from __future__ import annotations

import pytest
import redis.asyncio as aredis
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from segue.cache._together import send_together

from ..support import RedisServer


def _queue(pipe: aredis.client.Pipeline, key: str) -> None:
    pipe.set(key, b"7")
    pipe.get(key)
    pipe.hget(key, "field")  # the wrong type: refused
    pipe.incr(key)
    pipe.get(f"{key}:absent")


async def test_the_answers_are_execute_s(redis_server: RedisServer) -> None:
    client = aredis.Redis.from_url(redis_server.url, socket_timeout=2)
    try:
        pipe = client.pipeline(transaction=False)
        _queue(pipe, "together")
        ours = await send_together(pipe)
        pipe = client.pipeline(transaction=False)
        _queue(pipe, "together")
        theirs = await pipe.execute(raise_on_error=False)
        assert len(ours) == len(theirs) == 5
        assert isinstance(ours[2], ResponseError)
        assert isinstance(theirs[2], ResponseError)
        assert str(ours[2]) == str(theirs[2])
        assert [ours[i] for i in (0, 1, 4)] == [theirs[i] for i in (0, 1, 4)] == [True, b"7", None]
        assert (ours[3], theirs[3]) == (8, 8)  # the same counter, one INCR each
    finally:
        await client.aclose()


async def test_a_connection_that_timed_out_is_not_reused_with_its_replies_pending(
    redis_server: RedisServer,
) -> None:
    # One connection in the pool: a stale reply left on it would answer the next call.
    pool = aredis.BlockingConnectionPool.from_url(
        redis_server.url, socket_timeout=0.2, max_connections=1
    )
    client = aredis.Redis(connection_pool=pool)
    try:
        await client.set("stale", b"old")
        await client.set("fresh", b"new")
        redis_server.pause()
        try:
            pipe = client.pipeline(transaction=False)
            pipe.get("stale")
            with pytest.raises(RedisTimeoutError):
                await send_together(pipe)
        finally:
            redis_server.resume()
        pipe = client.pipeline(transaction=False)
        pipe.get("fresh")
        assert await send_together(pipe) == [b"new"]
    finally:
        await client.aclose()
