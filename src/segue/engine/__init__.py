"""The recommendation engine: pure numpy, arrays in, arrays out, no I/O.

Strategies (:data:`STRATEGIES`, by name) plan the store queries for a playlist and rank
the store's answers through one fusion core, :func:`weighted_rrf` (:func:`rrf_merge` is
its unit-weight case); ``adaptive`` is the original plan + RRF, ``together`` (``blend``
plus what other playlists hold with the seeds) the default.

>>> import numpy as np
>>> from segue.engine import plan_queries, rrf_merge, Neighbors
>>> queries = plan_queries(np.random.default_rng(0).normal(size=(10, 16)).astype(np.float32))
>>> queries.shape
(3, 16)
"""

from ._blend import BLEND_QUERIES, MAX_QUERIES, Blend
from ._diversity import VARIETY_WINDOWS, artist_variety, cap_per_group
from ._duplicates import drop_title_duplicates, title_key
from ._kmeans import kmeans
from ._nearest import DEFAULT_NEAR_DUPLICATE_DISTANCE, closest_seeds, cosine_distances, explain
from ._negatives import NEGATIVE_PUSH, NEGATIVE_RADIUS, demote_near_negatives, push_away
from ._plan import normalize, plan_queries, query_top_k
from ._protocol import QueryPlan, Strategy
from ._registry import DEFAULT_STRATEGY, STRATEGIES, get_strategy
from ._rrf import RRF_K, rrf_merge, weighted_rrf
from ._rules import show_order
from ._strategies import Adaptive
from ._together import (
    COOCCURRENCE_WEIGHT,
    CooccurrenceSample,
    Together,
    cooccurrence_list,
    cooccurrence_of,
    cooccurrence_ranking,
    playlist_weights,
    seed_positions,
)
from ._types import NO_REASON, FloatMatrix, IdArray, Neighbors, Ranking
from ._validate import MAX_ID, check_ids, check_limit, check_matrix

# What other packages, bench/ and the docs use; the other strategies are reached by name
# (get_strategy), and their constants and helpers stay in their modules.
__all__ = [
    "BLEND_QUERIES",
    "COOCCURRENCE_WEIGHT",
    "DEFAULT_NEAR_DUPLICATE_DISTANCE",
    "DEFAULT_STRATEGY",
    "MAX_ID",
    "MAX_QUERIES",
    "NEGATIVE_PUSH",
    "NEGATIVE_RADIUS",
    "NO_REASON",
    "RRF_K",
    "STRATEGIES",
    "VARIETY_WINDOWS",
    "Adaptive",
    "Blend",
    "CooccurrenceSample",
    "FloatMatrix",
    "IdArray",
    "Neighbors",
    "QueryPlan",
    "Ranking",
    "Strategy",
    "Together",
    "artist_variety",
    "cap_per_group",
    "check_ids",
    "check_limit",
    "check_matrix",
    "closest_seeds",
    "cooccurrence_list",
    "cooccurrence_of",
    "cooccurrence_ranking",
    "cosine_distances",
    "demote_near_negatives",
    "drop_title_duplicates",
    "explain",
    "get_strategy",
    "kmeans",
    "normalize",
    "plan_queries",
    "playlist_weights",
    "push_away",
    "query_top_k",
    "rrf_merge",
    "seed_positions",
    "show_order",
    "title_key",
    "weighted_rrf",
]
