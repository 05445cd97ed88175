"""The recommendation cache key, built whole in one place.

    {prefix}:{config}.{index}.{seeds}.{dismissals}:recommendations:{playlist id}:{record CID}
    {prefix}:{config}.{index}.0.0:similar:{track id}:{track version}

``prefix`` is ``SEGUE_CACHE_PREFIX`` (a deployment's own keys); ``config`` eight hex digits
naming everything in the process's configuration that can change a ranking (the
strategy and the fallback with their constants, the duplicate and artist variety rules,
how many candidates are ranked, and the vector store's own ``identity``); the three
generations and the record CID name the version of the playlist, its seeds' visibility,
its dismissals and the index. A change to any of them is a new key: nothing is ever
invalidated, old entries expire. tests/recommendations/test_cache_key.py walks every
setting and shows each one that can change a ranking changes the key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from segue.catalog import PlaylistHead
from segue.engine import DEFAULT_NEAR_DUPLICATE_DISTANCE, Strategy
from segue.errors import InvalidInput
from segue.settings import Settings
from segue.vectors import VectorStore

from ._pipeline import resolve_strategy

__all__ = ["PLAYLIST_KIND", "SIMILAR_KIND", "CacheKeys"]

#: the kinds of ranking cached: a playlist's (its owner's suggestions, and what to play
#: after it: one ranking, so either request warms the other) and a track's similar tracks
PLAYLIST_KIND = "recommendations"
SIMILAR_KIND = "similar"

# What config names when there is no store (recommendations are then unavailable anyway).
_NO_STORE = "disabled"


@dataclass(frozen=True, slots=True)
class CacheKeys:
    """Builds a process's recommendation cache keys; one per :class:`Recommender`.

    keys = CacheKeys.from_settings(settings, store)
    keys.key(head)  # 'segue:1f0c9a3e.4.0.2:recommendations:3kq2d7x4m5abc:bafyrei...'
    """

    prefix: str
    #: eight hex digits naming what, besides the playlist, shapes a ranking
    config: str

    @classmethod
    def of(
        cls,
        *,
        strategy: Strategy,
        fallback: Strategy,
        store: VectorStore | None,
        prefix: str = "segue",
        candidates: int = 50,
        near_duplicate_distance: float = DEFAULT_NEAR_DUPLICATE_DISTANCE,
        max_per_artist: int = 1,
    ) -> CacheKeys:
        """The keys of a recommender configured so. Strategies name their constants in
        their ``repr``; the store names itself (:attr:`VectorStore.identity`)."""
        if not prefix:
            raise InvalidInput("the cache prefix must not be empty")
        parts = (
            f"strategy={strategy!r}",
            f"fallback={fallback!r}",
            f"near_duplicate_distance={near_duplicate_distance!r}",
            f"max_per_artist={max_per_artist}",
            f"candidates={candidates}",
            f"store={store.identity if store is not None else _NO_STORE}",
        )
        digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:8]
        return cls(prefix, digest)

    @classmethod
    def from_settings(cls, settings: Settings, store: VectorStore | None) -> CacheKeys:
        """The keys of the recommender ``settings`` build over ``store`` (``open_store``'s:
        the store's settings reach the key through its identity only)."""
        return cls.of(
            strategy=resolve_strategy(settings.strategy),
            fallback=resolve_strategy(settings.fallback_strategy),
            store=store,
            prefix=settings.cache_prefix,
            candidates=settings.recommendation_candidates,
            near_duplicate_distance=settings.near_duplicate_distance,
            max_per_artist=settings.max_per_artist,
        )

    def key(self, head: PlaylistHead, *, kind: str = PLAYLIST_KIND) -> str:
        """The key of this version of ``head``'s playlist (a :class:`PlaylistSeeds` too).

        ``kind`` ``similar``: a track's similar tracks, the track as a playlist of one (its
        id, and its record CID or a digest of its artist and title as the version;
        ``recommendations._subjects.track_seeds``), under the same rules otherwise.
        A CID never contains ``:``, so the key stays unambiguous even when an id does.
        """
        if not head.id or not head.record_cid:
            raise InvalidInput("cache key parts must not be empty")
        if ":" in head.record_cid:
            raise InvalidInput(f"not a record CID: {head.record_cid!r}")
        if kind not in (PLAYLIST_KIND, SIMILAR_KIND):
            raise InvalidInput(f"no ranking of kind {kind!r}")
        version = f"{head.index_generation}.{head.seeds_generation}.{head.dismissals_generation}"
        return f"{self.prefix}:{self.config}.{version}:{kind}:{head.id}:{head.record_cid}"
