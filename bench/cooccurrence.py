"""`python -m bench --only cooccurrence`: what the co-occurrence read adds to a miss
(issue 25), on SQLite and on PostgreSQL, with 100,000 tracks and 50,000 playlists.

The playlists are generated once and kept under ``bench/.cache/`` (lengths log-normal,
median about 25, 5 to 500 tracks; tracks drawn by a Zipf-like popularity, so the most
popular ones are in thousands of playlists; one track in 97 hidden, one playlist in 50
hidden). The SQLite catalog is cached beside them; PostgreSQL gets a database of the
run's own, loaded with COPY (seconds) and dropped afterwards.

For each sampled playlist, interleaved: the read every miss already makes
(``playlist_seeds``: items, record CID, generations, dismissals) as the reference, then
``cooccurring_tracks`` with the ``together`` strategy's default bounds, then the same read
without the popularity damping (``popularity_exponent`` 0). Half the sample
are ordinary playlists, half are made of the most popular tracks (the worst case the
per-seed cap is there for).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3
import time
from dataclasses import asdict
from pathlib import Path

import asyncpg
import numpy as np
from sqlalchemy.engine import make_url

from segue.catalog import (
    CooccurrenceRead,
    Database,
    cooccurring_tracks,
    open_database,
    playlist_seeds,
    upgrade,
)
from segue.engine import Together
from segue.settings import Settings

from ._dataset import CACHE_DIR, bench_database
from ._server import POSTGRES_ADMIN_URL, load_average

__all__ = ["run"]

N_TRACKS = 100_000
N_PLAYLISTS = 50_000
OWNER = "did:plc:benchcooccur"
ARTIST = "did:plc:benchcooccurartist"
SAMPLE = 60  # playlists timed per backend: half ordinary, half of popular tracks
REPS = 3


def _generate(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(playlist starts, tracks, popular playlist indices): one flat array of items."""
    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(np.log(25), 0.8, N_PLAYLISTS), 5, 500).astype(np.int64)
    weights = 1.0 / (np.arange(N_TRACKS) + 10.0) ** 0.9
    weights /= weights.sum()
    # Track ids by popularity: a random permutation so popularity is not the id order.
    by_rank = rng.permutation(N_TRACKS).astype(np.int64) + 1
    drawn = by_rank[rng.choice(N_TRACKS, size=int(lengths.sum()), p=weights)]
    owner = np.repeat(np.arange(N_PLAYLISTS), lengths)
    # A track once per playlist: drop repeats, keeping the first.
    _, first = np.unique(owner * (N_TRACKS + 1) + drawn, return_index=True)
    first.sort()
    tracks, owner = drawn[first], owner[first]
    starts = np.searchsorted(owner, np.arange(N_PLAYLISTS + 1))
    return starts, tracks, by_rank[:200]


def _cached() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    path = CACHE_DIR / f"cooccurrence-{N_TRACKS}x{N_PLAYLISTS}.npz"
    if path.is_file():
        saved = np.load(path)
        return saved["starts"], saved["tracks"], saved["popular"]
    starts, tracks, popular = _generate()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.savez(path, starts=starts, tracks=tracks, popular=popular)
    return starts, tracks, popular


def _pid(p: int) -> str:
    return f"bench{p:06d}"


_TrackRow = tuple[int, str, str, bool]  # id, title, artist, visible
_PlaylistRow = tuple[str, str, str, str, bool]  # id, owner, name, record CID, visible
_ItemRow = tuple[str, int, int]  # playlist, track, position


def _rows(
    starts: np.ndarray, tracks: np.ndarray
) -> tuple[list[_TrackRow], list[_PlaylistRow], list[_ItemRow]]:
    track_rows = [(i, f"Track {i}", ARTIST, i % 97 != 0) for i in range(1, N_TRACKS + 1)]
    playlist_rows = [
        (_pid(p), OWNER, f"P{p}", "bafybench", p % 50 != 49) for p in range(N_PLAYLISTS)
    ]
    positions = np.arange(tracks.size) - np.repeat(starts[:-1], np.diff(starts))
    owners = np.repeat(np.arange(N_PLAYLISTS), np.diff(starts))
    item_rows = [
        (_pid(int(p)), int(t), int(i))
        for p, t, i in zip(owners.tolist(), tracks.tolist(), positions.tolist(), strict=True)
    ]
    return track_rows, playlist_rows, item_rows


async def _schema(url: str) -> None:
    async with open_database(Settings(database_url=url)) as database:
        await upgrade(database)


def _sqlite_catalog(starts: np.ndarray, tracks: np.ndarray) -> Path:
    path = CACHE_DIR / f"cooccurrence-{N_TRACKS}x{N_PLAYLISTS}.sqlite"
    marker = path.with_suffix(".json")
    expected = {"tracks": int(tracks.size), "playlists": N_PLAYLISTS}
    if path.is_file() and marker.is_file() and json.loads(marker.read_text()) == expected:
        return path
    path.unlink(missing_ok=True)
    asyncio.run(_schema(f"sqlite+aiosqlite:///{path}"))
    track_rows, playlist_rows, item_rows = _rows(starts, tracks)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO users (did, handle) VALUES (?, ?)", (OWNER, "bench.test"))
        conn.execute("INSERT INTO artists (did, handle) VALUES (?, ?)", (ARTIST, "a.bench.test"))
        conn.executemany(
            "INSERT INTO tracks (id, title, artist_did, visible) VALUES (?, ?, ?, ?)", track_rows
        )
        conn.executemany(
            "INSERT INTO playlists (id, owner_did, name, record_cid, visible)"
            " VALUES (?, ?, ?, ?, ?)",
            playlist_rows,
        )
        conn.executemany(
            "INSERT INTO playlist_items (playlist_id, track_id, position) VALUES (?, ?, ?)",
            item_rows,
        )
        conn.execute("ANALYZE")
    marker.write_text(json.dumps(expected))
    return path


async def _load_postgres(url: str, starts: np.ndarray, tracks: np.ndarray) -> None:
    track_rows, playlist_rows, item_rows = _rows(starts, tracks)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("INSERT INTO users (did, handle) VALUES ($1, $2)", OWNER, "bench.test")
        await conn.execute(
            "INSERT INTO artists (did, handle) VALUES ($1, $2)", ARTIST, "a.bench.test"
        )
        await conn.copy_records_to_table(
            "tracks", records=track_rows, columns=["id", "title", "artist_did", "visible"]
        )
        await conn.copy_records_to_table(
            "playlists",
            records=playlist_rows,
            columns=["id", "owner_did", "name", "record_cid", "visible"],
        )
        await conn.copy_records_to_table(
            "playlist_items", records=item_rows, columns=["playlist_id", "track_id", "position"]
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def _sample(starts: np.ndarray, tracks: np.ndarray, popular: np.ndarray) -> list[str]:
    rng = np.random.default_rng(1)
    visible = np.flatnonzero(np.arange(N_PLAYLISTS) % 50 != 49)
    ordinary = rng.choice(visible, SAMPLE // 2, replace=False)
    # Playlists whose last tracks are the most popular: the per-seed cap's worst case.
    popular_share = np.array(
        [np.isin(tracks[starts[p] : starts[p + 1]][-25:], popular).mean() for p in visible]
    )
    heavy = visible[np.argsort(-popular_share, kind="stable")][: SAMPLE // 2]
    return [_pid(int(p)) for p in np.concatenate([ordinary, heavy])]


async def _measure(database: Database, pids: list[str]) -> dict[str, np.ndarray]:
    read = CooccurrenceRead(**asdict(Together().cooccurrence))
    # the same read without the popularity damping (the first round's), for its cost
    plain = dataclasses.replace(read, popularity_exponent=0.0)
    times: dict[str, list[float]] = {"seeds": [], "cooccurrence": [], "plain": [], "rows": []}
    for rep in range(REPS + 1):  # the first pass warms the caches, untimed
        for pid in pids:
            async with database.reading() as conn:
                t0 = time.perf_counter()
                seeds = await playlist_seeds(conn, pid)
                t1 = time.perf_counter()
                got = await cooccurring_tracks(conn, pid, seeds.seed_ids, read)
                t2 = time.perf_counter()
                await cooccurring_tracks(conn, pid, seeds.seed_ids, plain)
                t3 = time.perf_counter()
            if rep:
                times["seeds"].append(t1 - t0)
                times["cooccurrence"].append(t2 - t1)
                times["plain"].append(t3 - t2)
                times["rows"].append(len(got))
    return {k: np.array(v) for k, v in times.items()}


def _line(backend: str, what: str, t: np.ndarray, ref: np.ndarray) -> str:
    p50, p90, p99 = np.percentile(t, [50, 90, 99]) * 1e3
    ratio = np.median(t) / np.median(ref)
    return (
        f"| {backend} | {what} | {p50:.2f} | {p90:.2f} | {p99:.2f} | {t.mean() * 1e3:.2f} "
        f"| {ratio:.2f}x |"
    )


def run() -> str:
    started = time.perf_counter()
    starts, tracks, popular = _cached()
    path = _sqlite_catalog(starts, tracks)
    pids = _sample(starts, tracks, popular)
    counts = np.bincount(tracks, minlength=N_TRACKS + 1)

    async def both() -> dict[str, dict[str, np.ndarray]]:
        out = {}
        settings = Settings(database_url=f"sqlite+aiosqlite:///{path}")
        async with open_database(settings) as database:
            out["SQLite"] = await _measure(database, pids)
        async with bench_database(POSTGRES_ADMIN_URL) as url:
            await _load_postgres(url, starts, tracks)
            async with open_database(Settings(database_url=url)) as database:
                out["PostgreSQL"] = await _measure(database, pids)
        return out

    load_before = load_average()
    results = asyncio.run(both())
    lines = [
        f"### The co-occurrence read of a miss ({N_TRACKS:,} tracks, {N_PLAYLISTS:,} playlists, "
        f"{tracks.size:,} items; the most popular track is in {counts.max():,} playlists)",
        "",
        f"{len(pids)} playlists x {REPS}, milliseconds; the reference is the seeds read every "
        f"miss makes (`playlist_seeds`), in the same loop. Load average {load_before} before, "
        f"{load_average()} after; {time.perf_counter() - started:.0f} s in all.",
        "",
        "| backend | read | p50 | p90 | p99 | mean | p50 vs seeds read |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for backend, t in results.items():
        seeds, co, plain = t["seeds"], t["cooccurrence"], t["plain"]
        lines.append(_line(backend, "seeds read (reference)", seeds, seeds))
        for half, what in ((0, "ordinary"), (1, "popular")):
            lines.append(_line(backend, f"undamped, {what}", _part(plain, half, len(pids)), seeds))
        lines.append(_line(backend, "co-occurrence, ordinary", _part(co, 0, len(pids)), seeds))
        lines.append(_line(backend, "co-occurrence, popular", _part(co, 1, len(pids)), seeds))
    rows = results["SQLite"]["rows"]
    lines += ["", f"Tracks returned per read: median {np.median(rows):.0f}, max {rows.max():.0f}."]
    return "\n".join(lines)


def _part(t: np.ndarray, which: int, n: int) -> np.ndarray:
    """The ordinary (0) or popular (1) half of each pass over the ``n`` playlists."""
    per_pass = t.reshape(REPS, n)
    half = n // 2
    return (per_pass[:, :half] if which == 0 else per_pass[:, half:]).ravel()


if __name__ == "__main__":
    print(run())
