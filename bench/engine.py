"""Engine compute (plan + RRF) against the pure-Python reference, same inputs, same run."""

from __future__ import annotations

from functools import partial

import numpy as np

from segue.engine import Neighbors, plan_queries, query_top_k, rrf_merge

from . import reference
from ._timing import percentiles_ms, time_calls

__all__ = ["run"]

SIZES = (1, 3, 10, 30, 100, 300, 1000)
DIM = 512
LIMIT = 10


def _case(n: int, rng: np.random.Generator) -> tuple[np.ndarray, list[Neighbors], np.ndarray]:
    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    n_queries = n if n <= 5 else min(3, n // 2)
    top_k = query_top_k(LIMIT, n, 1000)
    lists = []
    for _ in range(n_queries):
        ids = rng.choice(100_000, size=top_k, replace=False).astype(np.int64)
        lists.append(Neighbors(ids, np.sort(rng.random(top_k).astype(np.float32))))
    playlist = rng.choice(100_000, size=n, replace=False).astype(np.int64)
    return vectors, lists, playlist


def _engine_once(vectors: np.ndarray, lists: list[Neighbors], playlist: np.ndarray) -> None:
    plan_queries(vectors)
    rrf_merge(lists, exclude=playlist, limit=LIMIT)


def _pure_once(
    vectors: list[list[float]], lists: list[list[tuple[int, float]]], exclude: set[int]
) -> None:
    reference.plan_queries(vectors)
    reference.rrf_merge(lists, exclude=exclude, limit=LIMIT)


def run(budget_s: float = 3.0) -> str:
    rng = np.random.default_rng(0)
    rows = []
    for n in SIZES:
        vectors, lists, playlist = _case(n, rng)
        py_vectors = vectors.tolist()
        py_lists = [list(zip(x.ids.tolist(), x.distances.tolist(), strict=True)) for x in lists]
        py_exclude = set(playlist.tolist())

        engine = partial(_engine_once, vectors, lists, playlist)
        pure = partial(_pure_once, py_vectors, py_lists, py_exclude)

        # Size the repetitions to the budget from one probe call of each.
        probe_ref = time_calls(pure, reps=1, warmup=0)[0]
        probe_eng = time_calls(engine, reps=3, warmup=1).min()
        reps_ref = int(max(5, min(200, budget_s / max(probe_ref, 1e-6))))
        reps_eng = int(max(50, min(2000, budget_s / max(probe_eng, 1e-6))))
        eng = time_calls(engine, reps=reps_eng)
        ref = time_calls(pure, reps=reps_ref, warmup=1)
        e50, e99 = percentiles_ms(eng)
        r50, r99 = percentiles_ms(ref)
        rows.append(f"| {n} | {e50:.3f} | {e99:.3f} | {r50:.3f} | {r99:.3f} | {r50 / e50:.1f}x |")
    head = (
        f"Engine compute: plan_queries + rrf_merge, {DIM}-d, limit {LIMIT}; milliseconds.\n\n"
        "| tracks | engine p50 | engine p99 | pure Python p50 | pure Python p99 | ratio (p50) |\n"
        "|---:|---:|---:|---:|---:|---:|"
    )
    return "\n".join([head, *rows])
