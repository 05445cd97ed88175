"""Engine compute of each strategy (plan + rank, no store), for playlists of given sizes."""

from __future__ import annotations

from functools import partial

import numpy as np

from segue.engine import STRATEGIES, Neighbors, Strategy, get_strategy
from segue.ingest import synthetic_catalog

from ._timing import percentiles_ms, time_calls

__all__ = ["run"]

SIZES = (10, 100)
DIMS = (10, 512)
LIMIT = 50  # what `segue eval` asks for; the service asks for fewer
CATALOG = 100_000


def _lists(n_lists: int, top_k: int, rng: np.random.Generator) -> list[Neighbors]:
    """Store-like answers: ids from a large catalog, distances ascending."""
    return [
        Neighbors(
            rng.choice(CATALOG, size=top_k, replace=False).astype(np.int64),
            np.sort(rng.random(top_k).astype(np.float32)),
        )
        for _ in range(n_lists)
    ]


def _plan_and_rank(
    strategy: Strategy, vectors: np.ndarray, lists: list[Neighbors], playlist: np.ndarray
) -> None:
    plan = strategy.plan(vectors, limit=LIMIT, n_excluded=playlist.size, max_top_k=1200)
    strategy.rank(plan, lists, exclude=playlist, limit=LIMIT)


def run(reps: int = 300) -> str:
    rng = np.random.default_rng(0)
    rows = []
    for dim in DIMS:
        for n in SIZES:
            # A playlist of one style of a clustered catalog: k-means has real work to do.
            cat = synthetic_catalog(3000, dim=dim, n_styles=10, n_artists=200, seed=n)
            vectors = cat.vectors[cat.style == 0][:n]
            playlist = rng.choice(CATALOG, size=n, replace=False).astype(np.int64)
            for name in STRATEGIES:
                strategy = get_strategy(name)
                plan = strategy.plan(vectors, limit=LIMIT, n_excluded=n, max_top_k=1200)
                lists = _lists(len(plan), plan.top_k, rng)

                call = partial(_plan_and_rank, strategy, vectors, lists, playlist)
                p50, p99 = percentiles_ms(time_calls(call, reps=reps))
                rows.append(
                    f"| {name} | {dim} | {n} | {len(plan)} | {plan.top_k} | {p50:.2f} | {p99:.2f} |"
                )
    head = (
        f"Engine compute per request (plan + rank, store excluded), limit {LIMIT}; "
        "milliseconds.\n\n"
        "| strategy | dim | tracks | queries | top_k | p50 | p99 |\n"
        "|---|---:|---:|---:|---:|---:|---:|"
    )
    return "\n".join([head, *rows])
