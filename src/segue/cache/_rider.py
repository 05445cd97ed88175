"""``Rider``: a Redis command that carries a cache read, in one round trip.

A request with rate limits on spends one read of its token's budget; on a cache hit that
would be a Redis round trip of its own beside the cache's GET. The rate limiter hands the
charge to the cache as a rider instead: the Redis cache calls the rider's command with its
key, a script that reads the key and then spends the budget, so one command answers both
(cheaper than a pipeline of the two: issue 20, docs/benchmarks.md); any other cache has
it spend alone. The cache knows nothing of budgets, the rider nothing of rankings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Protocol

from ._link import LinkFailure, RedisLink

__all__ = ["Rider"]


class Rider(Protocol):
    """A command that may carry a cache read; spent exactly once, either way."""

    #: the Redis its command goes to (``None``: in process only); it rides only on this one
    link: RedisLink | None

    def reading(self, key: str) -> Awaitable[Sequence[object]]:
        """Its command, reading ``key`` as well: answers ``[its verdict, key's value]``
        (the value ``None`` when the key is missing). Not spent until :meth:`settle`."""
        ...

    async def settle(self, verdict: object | LinkFailure) -> None:
        """Its verdict from :meth:`reading`'s answer, or why the round trip brought none:
        decide without Redis then. May raise (``RateLimited``)."""
        ...

    async def alone(self) -> None:
        """Spend without a cache read (another cache, a refused read, or no read); a no-op
        once spent."""
        ...
