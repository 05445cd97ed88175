"""The recommendations endpoint over HTTP on loopback, as a browser would call it.

`segue serve` runs as its own process on PostgreSQL (a database of this run's own, dropped
after), Redis (a key prefix of its own, deleted after) and the local index of 100k
512-d tracks (built once, cached in bench/.cache). Eight clients in this process send
their requests concurrently, one after the other each: first to playlists never asked
for (cache misses), then to the same playlists again (cache hits).
"""

from __future__ import annotations

import asyncio

import numpy as np

from segue.engine import DEFAULT_STRATEGY

from ._client import timed_requests
from ._dataset import (
    CACHE_DIR,
    Catalog,
    Owner,
    build_index,
    catalog_spec,
    seeded_database,
)
from ._server import POSTGRES_ADMIN_URL, REDIS_URL, load_average, redis_prefix, serving

__all__ = ["run"]

CLIENTS = 8
WARMUP = 10  # per client, not measured: connections, the index's pages, code paths
# Playlist sizes, taken in turn: the three plans (1 vector, 2-5 vectors, k-means for 6+).
SIZES = (1, 3, 5, 8, 12, 20, 35, 50)
LIMIT = 3  # what the playlist page asks for


def _path(playlist: str) -> str:
    return f"/playlists/{playlist}/recommendations?limit={LIMIT}"


def _jobs(owners: list[Owner], start: int, stop: int | None = None) -> list[list[tuple[str, str]]]:
    return [[(o.token, _path(p)) for p in o.playlists[start:stop]] for o in owners]


def _playlists(spec: Catalog, per_client: int) -> list[list[list[int]]]:
    rng = np.random.default_rng(3)
    visible = spec.visible_ids
    n = per_client + WARMUP
    return [
        [
            rng.choice(visible, size=SIZES[(c * n + i) % len(SIZES)], replace=False).tolist()
            for i in range(n)
        ]
        for c in range(CLIENTS + 1)  # and one more client, alone
    ]


async def _serve_and_measure(
    spec: Catalog, url: str, owners: list[Owner], strategy: str
) -> list[str]:
    """Table rows for one server run with ``strategy``; a fresh key prefix: all misses."""
    with redis_prefix() as prefix:
        env = {
            "SEGUE_DATABASE_URL": url,
            "SEGUE_REDIS_URL": REDIS_URL,
            "SEGUE_CACHE_PREFIX": prefix,
            "SEGUE_STRATEGY": strategy,
        }
        log = CACHE_DIR / "endpoint-server.log"
        crowd, solo = owners[:CLIENTS], owners[CLIENTS:]
        with serving(spec.data_dir, env, log) as (base, _pid):
            await timed_requests(base, _jobs(owners, 0, WARMUP))
            before = load_average()
            rows = [
                (await timed_requests(base, _jobs(crowd, WARMUP))).row(
                    f"{strategy}, {CLIENTS} clients, cache miss (each playlist once)"
                ),
                (await timed_requests(base, _jobs(crowd, WARMUP))).row(
                    f"{strategy}, {CLIENTS} clients, cache hit (the same playlists again)"
                ),
                (await timed_requests(base, _jobs(solo, WARMUP))).row(
                    f"{strategy}, 1 client, cache miss"
                ),
                (await timed_requests(base, _jobs(solo, WARMUP))).row(
                    f"{strategy}, 1 client, cache hit"
                ),
            ]
            after = load_average()
    return [f"{row[:-1]}| {before} / {after} |" for row in rows]


async def _measure(spec: Catalog, per_client: int, strategies: tuple[str, ...]) -> list[str]:
    playlists = _playlists(spec, per_client)
    async with seeded_database(POSTGRES_ADMIN_URL, spec, playlists) as (url, owners):
        rows = []
        for strategy in strategies:
            rows += await _serve_and_measure(spec, url, owners, strategy)
    return rows


def run(
    n_tracks: int = 100_000,
    dim: int = 512,
    per_client: int = 100,
    strategies: tuple[str, ...] = (DEFAULT_STRATEGY, "adaptive"),
) -> str:
    """Markdown: p50/p99/max latency, throughput and errors for cache misses and hits,
    for each strategy (the default first)."""
    spec = catalog_spec(n_tracks, dim)
    build_index(spec)
    rows = asyncio.run(_measure(spec, per_client, strategies))
    return "\n".join(
        [
            f"Recommendations endpoint over HTTP (`segue serve`, one uvicorn process; "
            f"PostgreSQL, Redis, local HNSW index of {n_tracks:,} {dim}-d tracks), "
            f"{CLIENTS} concurrent clients or 1 on loopback, limit={LIMIT}, playlists of "
            f"{min(SIZES)}-{max(SIZES)} tracks; milliseconds; the machine's load average "
            "(1, 5, 15 min) before / after each run.",
            "",
            "| requests | n | p50 | p99 | max | throughput | errors | load |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(run())
