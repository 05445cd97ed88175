"""The recommendation engine: pure numpy, arrays in, arrays out, no I/O.

Strategies (:data:`STRATEGIES`, by name) plan the store queries for a playlist and rank
the store's answers; ``adaptive`` is the original plan + RRF, ``blend`` the default.

>>> import numpy as np
>>> from segue.engine import plan_queries, rrf_merge, Neighbors
>>> queries = plan_queries(np.random.default_rng(0).normal(size=(10, 16)).astype(np.float32))
>>> queries.shape
(3, 16)
"""

from ._blend import BLEND_QUERIES, MAX_QUERIES, Blend, Softmax
from ._diversity import cap_per_group
from ._kmeans import KMeansResult, kmeans
from ._plan import DIRECT_MAX, MAX_CLUSTERS, normalize, plan_queries, query_top_k
from ._registry import DEFAULT_STRATEGY, STRATEGIES, get_strategy, strategy_names
from ._rrf import RRF_K, rrf_merge
from ._strategies import Adaptive, Centroid, Clusters
from ._strategy import QueryPlan, Strategy
from ._types import FloatMatrix, IdArray, Neighbors, Ranking
from ._validate import MAX_ID, check_ids, check_limit, check_matrix

__all__ = [
    "BLEND_QUERIES",
    "DEFAULT_STRATEGY",
    "DIRECT_MAX",
    "MAX_CLUSTERS",
    "MAX_ID",
    "MAX_QUERIES",
    "RRF_K",
    "STRATEGIES",
    "Adaptive",
    "Blend",
    "Centroid",
    "Clusters",
    "FloatMatrix",
    "IdArray",
    "KMeansResult",
    "Neighbors",
    "QueryPlan",
    "Ranking",
    "Softmax",
    "Strategy",
    "cap_per_group",
    "check_ids",
    "check_limit",
    "check_matrix",
    "get_strategy",
    "kmeans",
    "normalize",
    "plan_queries",
    "query_top_k",
    "rrf_merge",
    "strategy_names",
]
