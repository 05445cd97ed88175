"""A pipeline of plain commands sent in one round trip, without redis-py's execute path.

A rate-limited cache hit sends its budget's ``EVALSHA`` and the cache's ``GET`` together.
``Pipeline.execute`` costs about as much Python as the ``EVALSHA`` itself (its fieldset
bookkeeping, observability hooks, retry wrapper and reset: 105-135 us of CPU against a
bare ``GET``'s 55-61 in docs/benchmarks.md, issue 20 item 3, second round). The commands
are still queued on the ``Pipeline`` (its methods build them); this sends its stack.

    pipe = client.pipeline(transaction=False)
    pipe.evalsha(sha, 2, *keys, 100, 60, 1)
    pipe.get(key)
    answers = await send_together(pipe)  # as pipe.execute(raise_on_error=False)
"""

from __future__ import annotations

from typing import Any

from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["send_together"]


async def send_together(pipe: Pipeline) -> list[Any]:
    """``pipe.execute(raise_on_error=False)`` for a pipeline of plain commands (no
    transaction, no ``Script`` objects, no retry: the link's client has none): a refused
    command's answer is its ``ResponseError``; a dead connection raises as there and is
    disconnected, as redis-py's failure callback does."""
    pool = pipe.connection_pool
    conn = await pool.get_connection()  # type: ignore[no-untyped-call]
    try:
        stack = pipe.command_stack
        await conn.send_packed_command(conn.pack_commands([args for args, _ in stack]))
        answers: list[Any] = []
        for args, options in stack:
            try:
                # The pipeline's own parsing: its response callbacks, as execute applies.
                answers.append(await pipe.parse_response(conn, args[0], **options))
            except ResponseError as exc:
                answers.append(exc)
        return answers
    except (RedisConnectionError, RedisTimeoutError):
        # Never hand a connection whose replies may still be on the wire to the next call.
        await conn.disconnect()
        raise
    finally:
        await pool.release(conn)
