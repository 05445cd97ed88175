"""The recommendation engine: pure numpy, arrays in, arrays out, no I/O.

>>> import numpy as np
>>> from segue.engine import plan_queries, rrf_merge, Neighbors
>>> queries = plan_queries(np.random.default_rng(0).normal(size=(10, 16)).astype(np.float32))
>>> queries.shape
(3, 16)
"""

from ._kmeans import KMeansResult, kmeans
from ._plan import DIRECT_MAX, MAX_CLUSTERS, normalize, plan_queries, query_top_k
from ._rrf import RRF_K, rrf_merge
from ._types import FloatMatrix, IdArray, Neighbors, Ranking
from ._validate import MAX_ID, check_ids, check_limit, check_matrix

__all__ = [
    "DIRECT_MAX",
    "MAX_CLUSTERS",
    "MAX_ID",
    "RRF_K",
    "FloatMatrix",
    "IdArray",
    "KMeansResult",
    "Neighbors",
    "Ranking",
    "check_ids",
    "check_limit",
    "check_matrix",
    "kmeans",
    "normalize",
    "plan_queries",
    "query_top_k",
    "rrf_merge",
]
