"""``segue recommend --playlist ID``: the service's own answer for a playlist, as the API
gives it to its owner.

The track-id form asks the vector store alone; this one builds the
:class:`~segue.recommendations.Recommender` from the settings, as the API's lifespan does
(the catalog, the vector store, the cache and its key, the strategy and its fallback), and
asks it for the owner's page: variety, duplicates, hidden and deleted tracks, dismissals,
all applied, and with Redis the ranking read from (or written to) the shared cache.

    >>> page = await playlist_page(settings, "3kq2d7x4m5abc", limit=3)  # doctest: +SKIP
    >>> [t.title for t in page.tracks]  # doctest: +SKIP
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from segue.catalog import playlist_head
from segue.recommendations import PageRequest, RecommendationPage, open_recommender
from segue.settings import Settings, VectorBackend
from segue.vectors import open_store

from ._common import open_catalog

__all__ = ["page_as_dict", "playlist_page"]


async def playlist_page(
    settings: Settings, playlist_id: str, *, limit: int, offset: int = 0
) -> RecommendationPage:
    """The page ``GET /playlists/{id}/recommendations`` answers the playlist's owner."""
    async with AsyncExitStack() as stack:
        database = await stack.enter_async_context(open_catalog(settings))
        disabled = settings.vector_backend is VectorBackend.DISABLED
        store = None if disabled else await stack.enter_async_context(open_store(settings))
        opened = await stack.enter_async_context(open_recommender(settings, database, store))
        recommender = opened.recommender
        async with database.reading() as conn:
            owner = (await playlist_head(conn, playlist_id)).owner_did
        # As its owner asks: the owner's page is the one with "because" on each track.
        return await recommender.recommend(playlist_id, PageRequest(limit, offset), user_did=owner)


def page_as_dict(page: RecommendationPage) -> dict[str, Any]:
    """The page in the API's field names (``Recommendations``), without the media URLs the
    API filters through its origins."""
    return {
        "tracks": [
            {
                "id": t.id,
                "title": t.title,
                "artist_handle": t.artist_handle,
                "artist_display_name": t.artist_display_name,
                "because": None
                if t.because is None
                else {"track_id": t.because.track_id, "title": t.because.title},
            }
            for t in page.tracks
        ],
        "available": page.available,
        "more": page.more,
    }
