"""``Rider``: a Redis command sent in the same round trip as a cache read.

A request with rate limits on spends one read of its token's budget; on a cache hit that
would be a Redis round trip of its own beside the cache's GET. The rate limiter hands the
charge to the cache as a rider instead: the Redis cache sends it in the GET's pipeline
(one round trip), any other cache has it spend alone. The cache knows nothing of budgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from redis.asyncio.client import Pipeline

from ._link import LinkFailure, RedisLink

__all__ = ["Rider"]


class Rider(Protocol):
    """Commands that may ride with a cache read; spent exactly once, either way."""

    #: the Redis its commands go to (``None``: in process only); it rides only on this one
    link: RedisLink | None

    def queue(self, pipe: Pipeline) -> int:
        """Add its commands to ``pipe`` (before the cache's); how many it added."""
        ...

    async def settle(self, answers: Sequence[object] | LinkFailure) -> None:
        """Its commands' answers, in order (an answer may be a ``ResponseError``), or why
        the round trip brought none: decide without Redis then. May raise
        (``RateLimited``)."""
        ...

    async def alone(self) -> None:
        """Spend without a cache read (another cache, or no read); a no-op once spent."""
        ...
