"""What people put together: the co-occurrence list fused with the audio queries.

:class:`Together` is :class:`~segue.engine.Blend` plus one more ranked list, the tracks
that appear with the playlist's seeds in other playlists of the catalog. The engine never
reads that list: the caller (the service from the catalog, ``segue eval`` from its corpus)
samples it as :class:`CooccurrenceSample` says and hands it over as ids, best first.
:func:`cooccurrence_ranking` is the one scoring both callers follow (the catalog's SQL
mirrors it; a test holds them to the same answer).

    >>> cooccurrence_ranking(np.array([5, 6, 5, 7]), np.array([0.5, 1.0, 0.5, 0.2]),
    ...                      limit=2).tolist()
    [5, 6]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._blend import Blend
from ._nearest import closest_seeds
from ._protocol import QueryPlan, Strategy
from ._rrf import Pooled, order_desc, pool_lists, positions, rrf_votes
from ._types import FloatMatrix, IdArray, Neighbors, Ranking

__all__ = [
    "COOCCURRENCE_WEIGHT",
    "CooccurrenceSample",
    "Together",
    "cooccurrence_list",
    "cooccurrence_of",
    "cooccurrence_ranking",
    "playlist_weights",
    "seed_positions",
]

#: the co-occurrence list's weight in the fusion, against 1 for each audio order: chosen by
#: 5-fold cross-validation on the development playlists among 0.5, 1 and 2
#: (docs/evaluation.md, issue 25). Not above 2 on purpose: at 2 a track found only by
#: co-occurrence, even first there, at most ties with the track first by both audio
#: orders, so what nobody has put in a playlist yet (a new upload) keeps its place.
COOCCURRENCE_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class CooccurrenceSample:
    """How the co-occurrence list is read: bounded, whatever the catalog's size.

    The last ``max_seeds`` seeds of the playlist (in playlist order: the latest added);
    for each, the first ``playlists_per_seed`` other visible playlists holding it (a cap
    in index order, not a random sample: a track in a million playlists costs at most that
    many); of each such playlist, its items at positions below ``items_per_playlist``. A
    playlist counts once per seed it was found with and weighs ``1 / n ** length_exponent``
    for its ``n`` items in that window, so one long playlist does not outvote many short
    ones. At most ``limit`` tracks come back, best first.
    """

    #: 10 seeds and 20 playlists each: on the development playlists as good as 25 and 50
    #: (80%: R@50 +0.002 [-0.004, +0.007]; n=10 identical) and a third of the rows to read
    #: (docs/evaluation.md, issue 25)
    max_seeds: int = 10
    playlists_per_seed: int = 20
    items_per_playlist: int = 200
    limit: int = 100
    #: 0 (one vote per playlist, whatever its length) was chosen by cross-validation over
    #: 0.5 (1/sqrt(n)) and 1; the window of ``items_per_playlist`` bounds a long one anyway
    length_exponent: float = 0.0
    #: the seeds read: ``False`` the last ``max_seeds``, ``True`` ``max_seeds`` spread
    #: evenly over the whole playlist (:func:`seed_positions`)
    spread_seeds: bool = False
    #: each track's summed votes divided by ``c ** popularity_exponent``, ``c`` the
    #: visible playlists holding it (at most ``popularity_cap`` counted: one LIMIT per
    #: track), among the ``popularity_pool`` best by votes; 0 leaves popular tracks
    #: undamped. 0.25 was chosen by cross-validation over 0 and 0.5 (docs/evaluation.md,
    #: issue 25, second round): it met the 80% goal where 0 did not. The cap of 20 bounds
    #: the read's cost (100 cost 4 times as much; no development track is in more than 5
    #: playlists, so the evaluation is the same at either)
    popularity_exponent: float = 0.25
    popularity_cap: int = 20
    popularity_pool: int = 300

    def __post_init__(self) -> None:
        for name in (
            "max_seeds",
            "playlists_per_seed",
            "items_per_playlist",
            "limit",
            "popularity_cap",
            "popularity_pool",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 <= self.length_exponent <= 2:
            raise ValueError(f"length_exponent must be in [0, 2], got {self.length_exponent}")
        if not 0 <= self.popularity_exponent <= 2:
            raise ValueError(
                f"popularity_exponent must be in [0, 2], got {self.popularity_exponent}"
            )

    @property
    def max_rows(self) -> int:
        """The most playlist items one read can visit."""
        return self.max_seeds * self.playlists_per_seed * self.items_per_playlist


def seed_positions(n: int, max_seeds: int, *, spread: bool = False) -> NDArray[np.intp]:
    """The positions of the seeds read among a playlist's ``n`` (in playlist order): the
    last ``max_seeds``, or ``max_seeds`` spread evenly from the first to the last.

    >>> seed_positions(10, 4).tolist(), seed_positions(10, 4, spread=True).tolist()
    ([6, 7, 8, 9], [0, 3, 6, 9])
    """
    if n <= max_seeds:
        return np.arange(n, dtype=np.intp)
    if not spread:
        return np.arange(n - max_seeds, n, dtype=np.intp)
    # i * (n - 1) // (max_seeds - 1): integers, so the catalog computes the same in Python
    if max_seeds == 1:
        return np.array([n - 1], np.intp)
    out: NDArray[np.intp] = (np.arange(max_seeds, dtype=np.intp) * (n - 1)) // (max_seeds - 1)
    return out


def playlist_weights(lengths: ArrayLike, *, length_exponent: float = 0.0) -> NDArray[np.float64]:
    """Each playlist's vote: ``1 / n ** length_exponent`` for its ``n`` items.

    >>> playlist_weights([4, 1], length_exponent=0.5).tolist()
    [0.5, 1.0]
    """
    n = np.asarray(lengths, np.float64)
    if np.any(n < 1):
        raise ValueError("a playlist that votes holds at least one item")
    out: NDArray[np.float64] = n**-length_exponent
    return out


def cooccurrence_ranking(
    tracks: IdArray,
    weights: NDArray[np.float64],
    *,
    exclude: IdArray | Sequence[int] = (),
    limit: int,
    playlist_counts: NDArray[np.intp] | None = None,
    popularity_exponent: float = 0.0,
    popularity_cap: int = 20,
    popularity_pool: int = 300,
) -> IdArray:
    """Tracks by the sum of the weights of their rows, best first; ties by id.

    ``tracks[i]`` is one item of a sampled playlist and ``weights[i]`` that playlist's
    vote (:func:`playlist_weights`). ``exclude`` (the playlist's own items) never comes
    back. With a ``popularity_exponent``, the ``popularity_pool`` best by votes are
    ordered again by votes / ``min(c, popularity_cap) ** popularity_exponent``, ``c`` =
    ``playlist_counts[track]`` (the playlists holding it, indexed by track id).
    """
    tracks = np.asarray(tracks, np.int64)
    if tracks.shape != np.shape(weights):
        raise ValueError("one weight per track row")
    keep = ~np.isin(tracks, np.asarray(exclude, np.int64))
    unique, inverse = np.unique(tracks[keep], return_inverse=True)
    scores = np.bincount(inverse, weights=np.asarray(weights)[keep], minlength=unique.size)
    order = np.lexsort((unique, -scores))
    if popularity_exponent and playlist_counts is not None:
        order = order[:popularity_pool]
        held = np.clip(playlist_counts[unique[order]], 1, popularity_cap).astype(np.float64)
        damped = scores[order] / held**popularity_exponent
        order = order[np.lexsort((unique[order], -damped))]
    out: IdArray = unique[order[:limit]]
    return out


def cooccurrence_list(ids: IdArray, vectors: FloatMatrix, seeds: FloatMatrix) -> Neighbors:
    """The co-occurring tracks as one more ranked list, with their vectors, so "because"
    and the near-duplicate rule treat them as any candidate; the distance is to the
    closest seed."""
    if not ids.size:
        return Neighbors.empty(seeds.shape[1])
    _, distance = closest_seeds(vectors, seeds)
    return Neighbors(np.asarray(ids, np.int64), distance, vectors)


@dataclass(frozen=True, slots=True)
class Together(Blend):
    """``blend``'s two audio orders plus the co-occurrence order, by weighted RRF.

    Every pooled candidate scores ``1 / (k + rank by the mean) + 1 / (k + rank by the
    anchors' votes) + cooccurrence_weight / (k + rank among the co-occurring tracks)``, a
    missing rank counting nothing. A track in no other playlist (a new upload) keeps both
    of its audio terms, so it is still suggested by its sound; a co-occurring track the
    audio queries did not reach enters through the third term alone. Without a
    co-occurrence list it ranks exactly as ``blend``.

        >>> Together().cooccurrence.playlists_per_seed
        20
    """

    name: ClassVar[str] = "together"
    cooccurrence_weight: float = COOCCURRENCE_WEIGHT
    cooccurrence: CooccurrenceSample = field(default_factory=CooccurrenceSample)

    def __post_init__(self) -> None:
        if not (np.isfinite(self.cooccurrence_weight) and self.cooccurrence_weight >= 0):
            raise ValueError("cooccurrence_weight must be finite and non-negative")

    def rank(
        self, plan: QueryPlan, lists: Sequence[Neighbors], *, exclude: IdArray, limit: int
    ) -> Ranking:
        return self.rank_with(plan, lists, None, exclude=exclude, limit=limit)

    def rank_with(
        self,
        plan: QueryPlan,
        lists: Sequence[Neighbors],
        together: Neighbors | None,
        *,
        exclude: IdArray,
        limit: int,
    ) -> Ranking:
        """:meth:`rank` with the co-occurrence list (ids best first) as one more order."""
        extra = [] if together is None or not len(together) else [together]
        pool = pool_lists([*lists, *extra], exclude)
        if not len(pool):
            return Ranking.empty()
        n_audio = len(lists)
        # The co-occurrence list casts no anchor vote: weight 0 in the anchors' RRF.
        weights = np.concatenate([plan.weights, np.zeros(len(extra))])
        local = rrf_votes(pool, weights, k=self.rrf_k)
        pair_weight = weights[pool.list_index]
        from_anchor = np.bincount(pool.inverse, weights=pair_weight > 0, minlength=len(pool)) > 0
        local_pos = positions(order_desc(local, pool.unique, pool.best))
        scores = np.where(from_anchor, 1.0 / (self.rrf_k + local_pos), 0.0)
        if extra:
            scores = scores + self.cooccurrence_weight * _term(pool, n_audio, self.rrf_k)
        if plan.center is not None:
            scores = scores + _term(pool, plan.center, self.rrf_k)
        order = order_desc(scores, pool.unique, pool.best)[:limit]
        return Ranking.unexplained(pool.unique[order], scores[order], pool.best[order])


def _term(pool: Pooled, list_index: int, rrf_k: int) -> NDArray[np.float64]:
    """``1 / (k + rank)`` of each pooled candidate in list ``list_index`` (0 if absent)."""
    mine = pool.list_index == list_index
    rank = np.full(len(pool), np.inf)
    rank[pool.inverse[mine]] = pool.rank[mine]
    out: NDArray[np.float64] = 1.0 / (rrf_k + rank)
    return out


def cooccurrence_of(strategy: Strategy) -> CooccurrenceSample | None:
    """How ``strategy`` wants its co-occurrence list read, or ``None`` if it uses none."""
    sample = getattr(strategy, "cooccurrence", None)
    return sample if isinstance(sample, CooccurrenceSample) else None
