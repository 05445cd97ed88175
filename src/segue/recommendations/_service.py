"""The recommendation service: one :class:`Recommender` per process, built in the lifespan."""

from __future__ import annotations

import asyncio
import logging

from segue.cache import CachedRanking, RecommendationCache, SingleFlight
from segue.catalog import Database, PlaylistHead, PlaylistSeeds
from segue.engine import (
    DEFAULT_NEAR_DUPLICATE_DISTANCE,
    Ranking,
    Strategy,
)
from segue.errors import InvalidInput, SegueError, VectorStoreUnavailable
from segue.metrics import (
    COMPUTATIONS_IN_FLIGHT,
    RECOMMENDATION_FALLBACKS,
    RECOMMENDATIONS_UNAVAILABLE,
    UnavailableReason,
)
from segue.settings import Settings
from segue.vectors import VectorStore, max_cache_seconds, read_deadline

from ._admission import Admission, Degrade
from ._cooccurrence import read_cooccurrence
from ._key import PLAYLIST_KIND, CacheKeys
from ._paging import MAX_CANDIDATES, PageRequest, RecommendationPage, page_of, ran_dry
from ._pipeline import recommend, resolve_strategy
from ._shape import shape
from ._subjects import ListenersPlaylist, OwnersPlaylist, SimilarTrack, Subject

__all__ = ["MAX_OFFSET", "PageRequest", "RecommendationPage", "Recommender"]

log = logging.getLogger("segue.recommendations")

# How many request timeouts a computation may run in the background before it is dropped.
_COMPUTE_GRACE = 4
# When hidden, deleted or orphaned ids thin a ranking below a page, it is recomputed this
# many times longer (and cached so), up to what one hydration query may read.
_REFILL_FACTOR = 4
# A slot is used for the full computation only when at least this many times its recent
# cost is left before the request gives up; the weight of each new cost in that mean.
_COST_MARGIN = 1.5
_COST_WEIGHT = 0.2
# A free slot is taken without suspending (microseconds); past this, the slot was waited for.
_WAITED = 0.001
_MAX_CANDIDATES = MAX_CANDIDATES
#: the deepest page: a ranking never holds more than this many suggestions
MAX_OFFSET = _MAX_CANDIDATES

_UNAVAILABLE = RecommendationPage(tracks=(), available=False)


class Recommender:
    """Recommendations for a playlist's owner, a playlist's listeners and a track (the
    subjects, ``_subjects.py``): cache, single flight, strategy, hydration.

    Build one per process (:meth:`from_settings`, in the app's lifespan) and share it.
    A cache hit costs four short reads (the playlist's owner, record CID and generations,
    the cached ids, one hydration query that also reads the "because" titles) and no ORM
    object; a miss reads the items with their CID in one statement and the playlist's
    dismissals, asks the vector store (two round trips, the dismissed tracks as negative
    examples), applies the duplicate and artist variety rules (one read of the
    candidates' titles), caches the ranked ids under the CID and hydrates them.

        recommender = Recommender.from_settings(settings, database, store, cache)
        page = await recommender.recommend("3kq2d7x4m5abc", PageRequest(3), user_did=user.did)
        [t.title for t in page.tracks]

    Under load it degrades quality before availability: at most ``max_in_flight``
    computations run the configured ``strategy`` at once; one that finds the line full,
    or cannot get a slot while its request can still wait, runs ``fallback`` (one cheap
    query) instead, counted in ``segue_recommendation_fallbacks_total`` and cached only
    for ``fallback_ttl_seconds``.
    """

    def __init__(
        self,
        *,
        database: Database,
        store: VectorStore | None,
        cache: RecommendationCache,
        strategy: Strategy,
        fallback: Strategy,
        candidates: int = 50,
        timeout_seconds: float = 2.0,
        cache_prefix: str = "segue",
        max_in_flight: int = 4,
        max_waiting: int = 32,
        fallback_ttl_seconds: float = 60.0,
        keys: CacheKeys | None = None,
        near_duplicate_distance: float = DEFAULT_NEAR_DUPLICATE_DISTANCE,
        max_per_artist: int = 1,
    ) -> None:
        self.database = database
        self.store = store
        self.cache = cache
        self.strategy = strategy
        self.fallback = fallback
        self.candidates = candidates
        self.timeout_seconds = timeout_seconds
        self.cache_prefix = cache_prefix
        self.fallback_ttl_seconds = fallback_ttl_seconds
        #: the cosine distance below which a candidate is a playlist track's duplicate
        self.near_duplicate_distance = near_duplicate_distance
        #: the artist variety rule's cap (0: off)
        self.max_per_artist = max_per_artist
        #: builds the cache keys (``segue.recommendations._key``); by default from the
        #: arguments given here
        self.keys = (
            keys
            if keys is not None
            else CacheKeys.of(
                strategy=strategy,
                fallback=fallback,
                store=store,
                prefix=cache_prefix,
                candidates=candidates,
                near_duplicate_distance=near_duplicate_distance,
                max_per_artist=max_per_artist,
            )
        )
        self.admission = Admission(max_in_flight=max_in_flight, max_waiting=max_waiting)
        #: what a full computation has recently taken (seconds, moving mean); 0 at start
        self.full_cost_seconds = 0.0
        self.flights = SingleFlight()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        database: Database,
        store: VectorStore | None,
        cache: RecommendationCache,
    ) -> Recommender:
        return cls(
            database=database,
            store=store,
            cache=cache,
            strategy=resolve_strategy(settings.strategy),
            fallback=resolve_strategy(settings.fallback_strategy),
            candidates=settings.recommendation_candidates,
            timeout_seconds=settings.vector_timeout_seconds,
            cache_prefix=settings.cache_prefix,
            max_in_flight=settings.recommendation_max_in_flight,
            max_waiting=settings.recommendation_max_waiting,
            fallback_ttl_seconds=settings.fallback_cache_seconds,
            keys=CacheKeys.from_settings(settings, store),
            near_duplicate_distance=settings.near_duplicate_distance,
            max_per_artist=settings.max_per_artist,
        )

    async def aclose(self) -> None:
        """Stop the computations still running (at shutdown, before the store closes)."""
        await self.flights.aclose()

    async def recommend(
        self, playlist_id: str, request: PageRequest, *, user_did: str
    ) -> RecommendationPage:
        """Up to ``request.limit`` visible tracks to add to the playlist, for its owner
        only, after the first ``request.offset`` of the same ranking (the next page: none
        repeated); the request's charges are spent as :class:`PageRequest` says.

        :class:`NotFound` for an unknown playlist, :class:`Forbidden` for someone else's.
        """
        return await self.page(OwnersPlaylist(playlist_id, user_did), request)

    async def continuation(
        self, playlist_id: str, request: PageRequest, *, user_did: str
    ) -> RecommendationPage:
        """What to play after a playlist, for any listener of any visible playlist
        (:class:`ListenersPlaylist`). :class:`NotFound` for an unknown or hidden one."""
        return await self.page(ListenersPlaylist(playlist_id, user_did), request)

    async def similar(self, track_id: int, request: PageRequest) -> RecommendationPage:
        """Tracks that sound like one track (:class:`SimilarTrack`): the same rules (no
        duplicate of it by title or vector, artist variety, hidden tracks never shown).
        :class:`NotFound` for an unknown, hidden or deleted track."""
        return await self.page(SimilarTrack(track_id), request)

    async def page(self, subject: Subject, request: PageRequest) -> RecommendationPage:
        """A page of the ranking of ``subject``'s version, as its asker may see it, with
        the read charged once whatever the answer (:class:`PageRequest`)."""
        read = request.read
        try:
            page = await self._page_of(subject, request)
        except SegueError:
            if read is not None:
                await read.alone()  # a no-op once spent
            raise
        if read is not None:
            await read.alone()  # answered without a cache look-up (no store)
        return subject.shown(page)

    async def _page_of(self, subject: Subject, request: PageRequest) -> RecommendationPage:
        kind, limit, offset = subject.kind, request.limit, request.offset
        # A plain autocommit connection, not a session: the hot path builds no ORM objects.
        page: RecommendationPage | None = None
        async with self.database.reading() as conn:
            head = await subject.head(conn)
            if self.store is None:
                return _unavailable("disabled")
            key = self.cache_key(head, kind=kind)
            ranked = await self.cache.get(key, rider=request.read)
            if ranked:
                page = await page_of(conn, ranked, limit, offset)
                if not ran_dry(page, ranked, limit):
                    return page
            # A miss, or a cached ranking mostly hidden or deleted since: the items, with
            # the record CID and generations they belong to (an edit since the head was
            # read is honoured: the key is this version's).
            seeds = await subject.seeds(conn)
        # The connection went back to the pool: none is held while the store works, so a
        # slow search cannot starve the requests that only need the database.
        if not seeds.item_ids:
            return _unavailable("empty_playlist")
        if request.miss is not None:
            await request.miss.alone()
        # A ranking ranked further keeps what this version's shorter one showed, as it was:
        # a next page never repeats a track of an earlier one, nor skips one. Not a
        # provisional one (fallback plan, possibly stale read): kept as the start of a
        # lasting ranking it would outlive its short TTL, so the ranking is computed anew.
        same_version = self.cache_key(seeds, kind=kind) == key
        before = ranked if ranked and same_version and not ranked.provisional else None
        candidates = _candidates_for(offset + limit + 1, self.candidates, ranked)
        # One deadline for all of the request's computations: however many refills a deep
        # or thinned page takes, the request waits timeout_seconds for the store at most.
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds
        while True:
            computed = await self._compute(seeds, kind, self.store, candidates, before, deadline)
            if isinstance(computed, str):
                if page is not None and page.tracks:
                    # What the shorter ranking already shows stays servable: a failed
                    # refill only means no more than that for now.
                    return RecommendationPage(tracks=page.tracks, available=True, more=False)
                return _unavailable(computed)
            ranked = computed
            async with self.database.reading() as conn:
                page = await page_of(conn, ranked, limit, offset)
            if not ran_dry(page, ranked, limit):
                return page
            # Most of the best candidates cannot be shown: rank further down and cache that.
            before = None if ranked.provisional else ranked
            candidates = min(candidates * _REFILL_FACTOR, _MAX_CANDIDATES)

    # -- the miss -----------------------------------------------------------------------

    async def _compute(
        self,
        seeds: PlaylistSeeds,
        kind: str,
        store: VectorStore,
        candidates: int,
        before: CachedRanking | None,
        deadline: float,
    ) -> CachedRanking | UnavailableReason:
        """The ranked ids for this version of the playlist, or why there are none (the
        caller counts it, if it answers ``available: false``); a longer ranking than
        ``before`` (this version's), which it starts with. The request waits until
        ``deadline`` (the event loop's clock) at most."""
        key = self.cache_key(seeds, kind=kind)
        try:
            # The request waits until its deadline; the computation (shielded by the single
            # flight) goes on a while longer and caches its result, so work done under
            # load is not thrown away and the next request for this version hits.
            async with asyncio.timeout_at(deadline):
                ranked = await self.flights.run(
                    f"{key}#{candidates}",
                    lambda: self._rank(key, seeds, store, candidates, before, deadline),
                )
        except TimeoutError:
            log.warning(
                "recommendations unavailable for %s: the store did not answer in time", seeds.id
            )
            return "store_timeout"
        except VectorStoreUnavailable as exc:
            log.warning("recommendations unavailable for %s: %s", seeds.id, exc.detail)
            return "store_error"
        if not ranked and ranked.complete:
            # The store had nothing: no embeddings, or no candidate left to suggest.
            return "no_embeddings"
        return ranked

    async def _rank(
        self,
        key: str,
        seeds: PlaylistSeeds,
        store: VectorStore,
        candidates: int,
        before: CachedRanking | None,
        deadline: float,
    ) -> CachedRanking:
        loop = asyncio.get_running_loop()
        started = loop.time()
        # What the request that started it has left (all of timeout_seconds for the first
        # computation of a request, less for a refill after it).
        budget = max(0.0, deadline - started)
        COMPUTATIONS_IN_FLIGHT.inc()
        try:
            # Up to half the request's time may go to waiting for a slot. A slot that comes
            # too late for the full computation (as long as recent ones took) is not used
            # for it: the cheaper plan still answers in time, the full one would not. Only
            # after a wait: a slot free at once always runs the full plan, so the estimate
            # keeps being refreshed and a process recovers once the load is gone.
            async with self.admission.slot(wait_seconds=budget / 2) as degraded:
                waited = loop.time() - started
                left = budget - waited
                if (
                    degraded is None
                    and waited > _WAITED
                    and left < self.full_cost_seconds * _COST_MARGIN
                ):
                    degraded = Degrade.DEADLINE
                strategy = self.strategy if degraded is None else self.fallback
                if degraded is not None:
                    RECOMMENDATION_FALLBACKS.labels(reason=degraded.value).inc()
                # Asked before the store is read: a ranking computed this soon after a
                # vector write may be stale (eventual reads), so it is cached only briefly.
                store_ttl = max_cache_seconds(store, seeds.index_generation)
                began = loop.time()
                # The store's retries (429, 5xx) stop when the request would have given up.
                with read_deadline(left):
                    ranking = await self._run(strategy, seeds, store, candidates)
                if degraded is None:
                    self._observe_cost(loop.time() - began)
        finally:
            COMPUTATIONS_IN_FLIGHT.dec()
        async with self.database.reading() as conn:
            ids = await shape(
                conn,
                ranking,
                seeds,
                asked=candidates,
                max_per_artist=self.max_per_artist,
                before=before,
            )
        ttl = None if degraded is None else self.fallback_ttl_seconds
        if store_ttl is not None:
            ttl = store_ttl if ttl is None else min(ttl, store_ttl)
        # Cached briefly: a longer ranking must not start with it (it would last).
        ids.provisional = ttl is not None
        if ids:
            # An empty ranking is not cached: "no embeddings yet" is usually temporary.
            await self.cache.set(key, ids, ttl_seconds=ttl)
        return ids

    def _observe_cost(self, seconds: float) -> None:
        # An exponentially weighted mean: follows the machine's load within a few dozen
        # computations, and one slow outlier moves it only a little.
        self.full_cost_seconds += _COST_WEIGHT * (seconds - self.full_cost_seconds)

    async def _run(
        self, strategy: Strategy, seeds: PlaylistSeeds, store: VectorStore, candidates: int
    ) -> Ranking:
        grace = asyncio.timeout(self.timeout_seconds * _COMPUTE_GRACE)
        try:
            async with grace:
                together = await read_cooccurrence(self.database, strategy, seeds)
                return await recommend(
                    store,
                    seeds.seed_ids,
                    limit=candidates,
                    exclude=seeds.item_ids,
                    negatives=seeds.dismissed_ids,
                    near_duplicate_distance=self.near_duplicate_distance,
                    strategy=strategy,
                    together=together,
                )
        except TimeoutError:
            # The request has given up long ago (it waits one timeout, this four): nobody
            # is left to say that the work is dropped, and its result will not be cached.
            # Only the grace's own expiry: a timeout from below is not this one.
            if grace.expired():
                log.warning(
                    "a computation for %s was dropped after %.1f s: the next request starts again",
                    seeds.id,
                    self.timeout_seconds * _COMPUTE_GRACE,
                )
            raise
        except InvalidInput as exc:
            # Seeds come from the catalog and vectors from the store itself: a refusal here
            # (a changed schema, a store of another dimension) is the store's failure, not
            # the caller's, so it must not become a 422 for the client.
            raise VectorStoreUnavailable(f"the vector store refused: {exc.detail}") from exc

    def cache_key(self, head: PlaylistHead, *, kind: str = PLAYLIST_KIND) -> str:
        """This version's key (:class:`CacheKeys`, ``_key.py``): a playlist's ranking, or
        (``kind`` ``similar``) a track's, as a playlist of one (``track_seeds``)."""
        return self.keys.key(head, kind=kind)


def _candidates_for(wanted: int, base: int, cached: CachedRanking | None) -> int:
    """How many candidates the request's first computation asks for: longer than a cached
    ranking that ran dry, and enough for ``wanted`` (the page and the one after it) at
    once, so a deep page is one computation rather than a refill after each too-short
    one. Steps of the refill factor from ``base`` (the sizes every request uses, so
    concurrent ones share a computation), up to :data:`MAX_CANDIDATES`.

    >>> [_candidates_for(wanted, 50, None) for wanted in (4, 54, 1001)]
    [50, 200, 1000]
    """
    candidates = base
    if cached:
        candidates = max(cached.asked, base) * _REFILL_FACTOR
    while candidates < wanted:
        candidates *= _REFILL_FACTOR
    return min(candidates, _MAX_CANDIDATES)


def _count_unavailable(reason: UnavailableReason) -> None:
    RECOMMENDATIONS_UNAVAILABLE.labels(reason=reason).inc()


def _unavailable(reason: UnavailableReason) -> RecommendationPage:
    _count_unavailable(reason)
    return _UNAVAILABLE
