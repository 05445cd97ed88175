"""The recommender a process serves with, and what it stands on (Redis, the cache), opened
from the settings in one place: the API's lifespan and ``segue recommend --playlist`` both
use it, so the command answers as the API does.

    >>> async with open_recommender(settings, database, store) as opened:  # doctest: +SKIP
    ...     page = await opened.recommender.recommend(playlist_id, PageRequest(3), user_did=did)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import NamedTuple

from segue.cache import RecommendationCache, RedisLink, open_cache
from segue.catalog import Database
from segue.settings import Settings
from segue.vectors import VectorStore

from ._service import Recommender

__all__ = ["OpenedRecommender", "open_recommender"]


class OpenedRecommender(NamedTuple):
    #: the process's one link to Redis (``None`` without ``SEGUE_REDIS_URL``): the rate
    #: limits take it too
    link: RedisLink | None
    cache: RecommendationCache
    recommender: Recommender


@asynccontextmanager
async def open_recommender(
    settings: Settings, database: Database, store: VectorStore | None
) -> AsyncIterator[OpenedRecommender]:
    """Open the Redis link, the cache and the recommender; close them in reverse, the
    recommender first (a computation left running for the cache needs the store and it)."""
    async with AsyncExitStack() as stack:
        link = RedisLink.from_settings(settings)
        if link is not None:
            await stack.enter_async_context(link)
        cache = await stack.enter_async_context(open_cache(settings, link))
        recommender = Recommender.from_settings(settings, database, store, cache)
        stack.push_async_callback(recommender.aclose)
        yield OpenedRecommender(link, cache, recommender)
