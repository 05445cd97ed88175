"""The recommendations service: cache, engine and hydration for one playlist."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from segue.cache import recommendation_key
from segue.catalog import PlaylistView, hydrate
from segue.errors import SegueError, VectorStoreUnavailable
from segue.recommender import recommend

from ._resources import Resources
from ._schemas import Recommendations, TrackOut

__all__ = ["recommendations_for"]

log = logging.getLogger("segue.recommendations")

_UNAVAILABLE = Recommendations(tracks=[], available=False)


async def recommendations_for(
    resources: Resources, session: AsyncSession, playlist: PlaylistView, *, limit: int
) -> Recommendations:
    """Up to ``limit`` visible tracks to add to ``playlist``, best first.

    The ranked ids are cached under the playlist's record CID, so any change to its items
    is a new key; they are hydrated on every request, so a track hidden since is skipped.
    """
    store = resources.store
    if store is None or not playlist.track_ids:
        return _UNAVAILABLE  # answered at once: no store call for an empty playlist
    settings = resources.settings
    key = recommendation_key(playlist.id, playlist.record_cid, prefix=settings.cache_prefix)
    ranked = await resources.cache.get(key)
    if ranked is None:

        async def compute() -> list[int]:
            # Seeds are the tracks a listener sees; every item is excluded, hidden or not.
            seeds = [t.id for t in playlist.tracks]
            async with asyncio.timeout(settings.vector_timeout_seconds):
                ranking = await recommend(
                    store,
                    seeds,
                    limit=settings.recommendation_candidates,
                    exclude=playlist.track_ids,
                    strategy=settings.strategy,
                )
            ids = [int(i) for i in ranking.ids]
            await resources.cache.set(key, ids)
            return ids

        try:
            ranked = await resources.flights.run(key, compute)
        except (TimeoutError, VectorStoreUnavailable) as exc:
            # The recommendation box must never take the playlist page down with it.
            log.warning("recommendations unavailable for %s: %s", playlist.id, _reason(exc))
            return _UNAVAILABLE
    if not ranked:
        return _UNAVAILABLE  # none of its tracks has an embedding, or nothing is left
    tracks = await hydrate(session, ranked, limit=limit)
    return Recommendations(tracks=[TrackOut.of(t) for t in tracks], available=True)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SegueError):
        return exc.detail
    return "the vector store did not answer in time"
