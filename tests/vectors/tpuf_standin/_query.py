"""Queries (docs/query): ANN by vector, ordering by attribute, lookups by filter, Count
aggregations, and multi-queries of up to 16 of those."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from ._errors import not_implemented, reject
from ._filters import compile_filter
from ._namespace import Namespace

__all__ = ["run_multi_query", "run_query", "run_single"]

_QUERY_KEYS = {
    "rank_by",
    "top_k",
    "limit",
    "filters",
    "include_attributes",
    "exclude_attributes",
    "distance_metric",
    "aggregate_by",
}
_TOP_LEVEL_ONLY = {"consistency", "vector_encoding"}
_QUERY_NOT_MODELLED = {"group_by", "rerank_by", "offset", "compute_attributes"}
_RANKERS_NOT_MODELLED = {"kNN", "BM25", "SparseKNN", "Sum", "Max", "Product", "Attribute"}


def _check_keys(body: dict[str, Any], allowed: set[str]) -> None:
    for key in body:
        if key in _QUERY_NOT_MODELLED:
            raise not_implemented(f"the query parameter {key!r}")
        if key not in allowed:
            raise reject(f"unknown query parameter {key!r}")


def _top_k(body: dict[str, Any], max_top_k: int) -> int:
    if "top_k" in body and "limit" in body:
        raise reject("top_k and limit cannot both be set")
    value = body.get("top_k", body.get("limit"))
    if isinstance(value, dict):
        if set(value) - {"total"}:
            raise not_implemented("limit.per")
        value = value.get("total")
    if value is None:
        raise reject("top_k (or limit) is required with rank_by")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise reject(f"top_k must be a positive integer, got {value!r}")
    if value > max_top_k:
        raise reject(f"top_k must be at most {max_top_k}, got {value}")
    return value


def _distances(ns: Namespace, query: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    v, q = vectors, query.astype(np.float64)
    if ns.metric == "euclidean_squared":
        return np.asarray(((v - q) ** 2).sum(axis=1))
    norms = np.linalg.norm(v, axis=1) * np.linalg.norm(q)
    dots = v @ q
    sim = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
    return np.asarray(1.0 - sim)  # cosine_distance: 1 - cosine similarity, 0..2


def _projection(body: dict[str, Any]) -> tuple[set[str] | None, bool]:
    """(attribute names to return or None for all, whether to return the vector)."""
    include, exclude = body.get("include_attributes"), body.get("exclude_attributes")
    if include is not None and exclude is not None:
        raise reject("include_attributes and exclude_attributes cannot both be set")
    if exclude is not None:
        if not isinstance(exclude, list) or not all(isinstance(a, str) for a in exclude):
            raise reject("exclude_attributes must be an array of attribute names")
        return None, "vector" not in exclude
    if include is None or include is False:
        return set(), False
    if include is True:
        return None, True
    if not isinstance(include, list) or not all(isinstance(a, str) for a in include):
        raise reject("include_attributes must be true, false or an array of attribute names")
    return set(include), "vector" in include


def _approximate(
    order: np.ndarray, dist: np.ndarray, query: np.ndarray, recall: float, top_k: int
) -> np.ndarray:
    """The first ``top_k`` of ``order`` (exact, nearest first) as an approximate index may
    answer: each true neighbour missed with probability ``1 - recall`` and its place taken
    by the next one found, nearest first. Seeded by the query: a repeated query answers
    the same."""
    if recall >= 1.0 or not order.size:
        return order[:top_k]
    seed = int.from_bytes(np.asarray(query, dtype="<f8").tobytes()[:8].ljust(8, b"\0"), "little")
    found = np.random.default_rng(seed).random(order.size) < recall
    picked = np.concatenate([order[found], order[~found]])[:top_k]
    return picked[np.argsort(dist[picked], kind="stable")]


def run_query(
    ns: Namespace, body: Any, *, max_top_k: int, encoding: str, recall: float = 1.0
) -> dict[str, Any]:
    """One query's result: ``{"rows": [...]}`` or ``{"aggregations": {...}}``."""
    if not isinstance(body, dict):
        raise reject("a query must be an object")
    _check_keys(body, _QUERY_KEYS)
    keep = compile_filter(body["filters"]) if body.get("filters") is not None else None
    docs = [d for d in ns.docs.values() if keep is None or keep(d)]
    if "aggregate_by" in body:
        if {"rank_by", "top_k", "limit", "include_attributes"} & set(body):
            raise reject("aggregate_by excludes rank_by, top_k and include_attributes")
        aggs = body["aggregate_by"]
        if not isinstance(aggs, dict) or not aggs:
            raise reject("aggregate_by must be an object of labelled aggregations")
        for label, agg in aggs.items():
            if agg != ["Count"]:
                raise not_implemented(f"the aggregation {agg!r} ({label})")
        return {"aggregations": {label: len(docs) for label in aggs}}
    if "rank_by" not in body:
        raise reject("rank_by is required unless aggregate_by is set")
    top_k = _top_k(body, max_top_k)
    metric = body.get("distance_metric")
    if metric is not None and metric != ns.metric:
        raise reject(f"distance_metric {metric!r} does not match the namespace's {ns.metric}")
    names, with_vector = _projection(body)
    rank = body["rank_by"]
    if not isinstance(rank, list) or len(rank) not in (2, 3):
        raise reject(f"invalid rank_by {rank!r}")
    dists: dict[int, float] = {}
    if len(rank) == 3 and rank[1] == "ANN":
        if rank[0] != "vector":
            raise reject(f"attribute {rank[0]!r} has no ANN index")
        query = rank[2]
        if not isinstance(query, list) or not all(isinstance(x, int | float) for x in query):
            raise reject("the ANN query vector must be an array of numbers")
        if len(query) != ns.dim:
            raise reject(f"query vector has {len(query)} dimensions, the namespace has {ns.dim}")
        all_ids, matrix = ns.matrix()
        kept = np.isin(all_ids, np.array([d["id"] for d in docs], dtype=np.uint64))
        ids, d = all_ids[kept], _distances(ns, np.asarray(query), matrix[kept])
        order = np.lexsort((ids, d))  # exact search: distance, then id
        order = _approximate(order, d, np.asarray(query), recall, top_k)
        ranked = [ns.docs[int(ids[i])] for i in order]
        dists = {int(ids[i]): float(d[i]) for i in order}
    elif len(rank) == 2 and rank[1] in ("asc", "desc") and isinstance(rank[0], str):
        attr, desc = rank[0], rank[1] == "desc"
        present = [d for d in docs if d.get(attr) is not None]
        try:
            present.sort(key=lambda d: (d[attr], d["id"]), reverse=desc)
        except TypeError as exc:
            raise reject(f"attribute {attr!r} has values that cannot be ordered") from exc
        ranked = (present + [d for d in docs if d.get(attr) is None])[:top_k]
    elif any(part in _RANKERS_NOT_MODELLED for part in rank if isinstance(part, str)):
        raise not_implemented(f"rank_by {rank[:2]!r}")
    else:
        raise reject(f"invalid rank_by {rank!r}")
    rows = []
    for doc in ranked:
        row: dict[str, Any] = {"id": doc["id"]}
        if doc["id"] in dists:
            row["$dist"] = dists[doc["id"]]
        row.update({k: v for k, v in doc.items() if k != "id" and (names is None or k in names)})
        if with_vector:
            vec = ns.vectors[doc["id"]]
            row["vector"] = (
                base64.b64encode(vec.astype("<f4").tobytes()).decode()
                if encoding == "base64"
                else [float(x) for x in vec]
            )
        rows.append(row)
    return {"rows": rows}


def _encoding(body: dict[str, Any]) -> str:
    enc = body.get("vector_encoding", "float")
    if enc not in ("float", "base64"):
        raise reject(f"unknown vector_encoding {enc!r}")
    consistency = body.get("consistency", {"level": "strong"})
    if not isinstance(consistency, dict) or consistency.get("level") not in ("strong", "eventual"):
        raise reject(f"invalid consistency {consistency!r}")
    # the client's ConsistencyEventual: level, and max_staleness_seconds (default 60)
    allowed = (
        {"level", "max_staleness_seconds"} if consistency["level"] == "eventual" else {"level"}
    )
    staleness = consistency.get("max_staleness_seconds", 60)
    if set(consistency) - allowed or isinstance(staleness, bool) or not isinstance(staleness, int):
        raise reject(f"invalid consistency {consistency!r}")
    return str(enc)


def run_single(
    ns: Namespace, body: dict[str, Any], *, max_top_k: int, recall: float = 1.0
) -> dict[str, Any]:
    encoding = _encoding(body)
    inner = {k: v for k, v in body.items() if k not in _TOP_LEVEL_ONLY}
    return run_query(ns, inner, max_top_k=max_top_k, encoding=encoding, recall=recall)


def run_multi_query(
    ns: Namespace,
    body: dict[str, Any],
    *,
    max_top_k: int,
    max_queries: int,
    recall: float = 1.0,
) -> dict[str, Any]:
    for key in body:
        if key in {"rerank_by", "limit", "offset"}:
            raise not_implemented(f"multi-query {key!r}")
        if key not in {"queries", *_TOP_LEVEL_ONLY}:
            raise reject(f"unknown multi-query parameter {key!r}")
    queries = body["queries"]
    if not isinstance(queries, list) or not queries:
        raise reject("queries must be a non-empty array")
    if len(queries) > max_queries:
        raise reject(f"a multi-query may hold at most {max_queries} queries, got {len(queries)}")
    encoding = _encoding(body)
    return {
        "results": [
            run_query(ns, q, max_top_k=max_top_k, encoding=encoding, recall=recall) for q in queries
        ]
    }
