"""A page of a cached ranking: hydrated in ranked order, refilled past hidden tracks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from segue.cache import CachedRanking, Rider
from segue.catalog import HYDRATE_MAX_IDS, SuggestionView, hydrate_suggestions

__all__ = [
    "MAX_CANDIDATES",
    "PageRequest",
    "RecommendationPage",
    "extendable",
    "page_of",
    "ran_dry",
]

# Ids hydrated beyond the page's size, in case some are hidden or deleted since caching.
_HYDRATE_SPARE = 3
#: the longest ranking computed: what one hydration query may read
MAX_CANDIDATES = HYDRATE_MAX_IDS
# Ids hydrated by one query at most: with their "because" ids, within what one query reads.
_HYDRATE_BATCH_MAX = HYDRATE_MAX_IDS // 2


@dataclass(frozen=True, slots=True)
class RecommendationPage:
    """What the playlist page shows: tracks to add, best first, each with the playlist
    track it sounds most like.

    ``available`` is false when there is nothing to show for a reason the page cannot fix
    (no store, an empty playlist, no embeddings, a store that failed or did not answer in
    time); the page then hides the section. ``more``: a next page (the next
    ``offset``) would show more of the same ranking.
    """

    tracks: tuple[SuggestionView, ...]
    available: bool
    more: bool = False


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page of a ranking a request asks for, and the charges it spends.

    ``read`` is spent once whatever the answer: with the cache look-up (one Redis round
    trip on a hit), else before any error is raised, so a spent budget answers 429 as it
    did when it was charged first. ``miss`` is spent before a ranking is computed (never
    for a cache hit). Either may refuse by raising (the API's rate limits,
    ``RateLimited``); ``None``: that budget is off.

        >>> PageRequest(limit=3, offset=3)  # the second page of three
        PageRequest(limit=3, offset=3, read=None, miss=None)
    """

    limit: int
    offset: int = 0
    read: Rider | None = None
    miss: Rider | None = None


async def page_of(
    conn: AsyncConnection, ranked: CachedRanking, limit: int, offset: int
) -> RecommendationPage:
    """The ``limit`` available tracks of ``ranked`` after its first ``offset`` available
    ones, and whether more follow.

    Hydrates a few more ids than asked (a hidden or deleted track is skipped and the next
    fills its place; one more tells whether a next page exists), and reads further along
    the ranking only when that was not enough: one query in the usual case, never all the
    cached ids.
    """
    wanted = offset + limit + 1
    found: list[SuggestionView] = []
    start, batch = 0, wanted + _HYDRATE_SPARE
    while len(found) < wanted and start < len(ranked):
        stop = start + min(batch, _HYDRATE_BATCH_MAX)
        found += await hydrate_suggestions(conn, ranked[start:stop], ranked.because[start:stop])
        start = stop
        batch *= 2  # many gone: read further in larger steps
    # Past the ranking's end, a longer computation may still find more.
    more = len(found) > offset + limit or extendable(ranked)
    return RecommendationPage(
        tracks=tuple(found[offset : offset + limit]), available=True, more=more
    )


def extendable(ranked: CachedRanking) -> bool:
    """The store may hold more than ``ranked``: it gave as many as asked, and a longer
    ranking may still be asked for."""
    return not ranked.complete and ranked.asked < MAX_CANDIDATES


def ran_dry(page: RecommendationPage, ranked: CachedRanking, limit: int) -> bool:
    """The page is short although the store may hold more: the ranking's end is where it
    was cut, not where the candidates ran out."""
    return len(page.tracks) < limit and extendable(ranked)
