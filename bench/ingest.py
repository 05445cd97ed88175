"""Importing a catalog: N tracks (JSONL) and their D-d vectors (NPY + ids, and Parquet).

Times each step of `segue import tracks` and `segue import vectors` as the services run
them (reading and checking the file, writing the database, building the index), on the
embedded SQLite file and on PostgreSQL when ``SEGUE_BENCH_POSTGRES_URL`` names a server
(e.g. ``postgresql://postgres@127.0.0.1/postgres``: a fresh database is made there for the
run and dropped after). Wall
time and CPU time are both shown: on a shared machine the wall time moves with the load,
the CPU time much less.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from segue.catalog import CatalogIndexGeneration, open_database, upgrade
from segue.ingest import import_tracks, import_vectors, read_tracks, read_vectors
from segue.ingest._demo_words import STYLES
from segue.ingest._synthetic import synthetic_catalog
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from ._dataset import empty_database

__all__ = ["run"]

T = TypeVar("T")


def _write_files(root: Path, n: int, dim: int) -> dict[str, Path]:
    cat = synthetic_catalog(n, dim=dim, n_styles=len(STYLES), n_artists=max(30, n // 20), seed=1)
    with (root / "tracks.jsonl").open("w") as fh:
        for i, artist in zip(cat.ids.tolist(), cat.artist.tolist(), strict=True):
            row = {
                "id": i,
                "title": f"{STYLES[int(cat.style[i - 1])].name} track {i}",
                "artist_did": f"did:plc:bench{artist:019d}",
                "artist_handle": f"artist-{artist}.bench.example",
                "artist_display_name": f"Artist {artist}",
                "image_url": f"https://img.example.com/{i}.jpg",
            }
            fh.write(json.dumps(row) + "\n")
    np.save(root / "vectors.npy", cat.vectors)
    (root / "ids.txt").write_text("".join(f"{i}\n" for i in cat.ids.tolist()))
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # the optional extra is not installed: skip the Parquet row
        return {}
    column = pa.FixedSizeListArray.from_arrays(pa.array(cat.vectors.ravel()), dim)
    pq.write_table(pa.table({"id": cat.ids, "vector": column}), root / "vectors.parquet")
    return {"parquet": root / "vectors.parquet"}


async def _timed(label: str, rows: list[str], work: Callable[[], Awaitable[T]]) -> T:
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    result = await work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows.append(f"| {label} | {wall:.1f} s | {cpu:.1f} s | {load:.1f} |")
    return result


async def _tracks(label: str, url: str, path: Path, rows: list[str]) -> None:
    async with open_database(Settings(database_url=url)) as database:
        await upgrade(database)

        async def read() -> Any:
            return read_tracks(path)

        batch = await _timed(f"read + check {path.name}", rows, read)
        await _timed(f"write tracks ({label})", rows, lambda: import_tracks(database, batch))
        await _timed(f"again, unchanged ({label})", rows, lambda: import_tracks(database, batch))


async def _vectors(root: Path, source: Path, ids: Path | None, rows: list[str]) -> None:
    async def read() -> Any:
        return read_vectors(source, ids_path=ids)

    data = await _timed(f"read + check {source.name}", rows, read)
    index = root / f"index-{source.suffix[1:]}.usearch"
    # The SQLite catalog _tracks made: a write of vectors moves its index generation.
    settings = Settings(database_url=f"sqlite+aiosqlite:///{root / 'segue.db'}")
    async with open_database(settings) as database, LocalVectorStore(index) as store:
        generation = CatalogIndexGeneration(database)

        async def write() -> Any:
            return await import_vectors(store, data, generation=generation)

        await _timed("build the index", rows, write)
        # Compared with what the index holds, nothing written, the generation kept.
        await _timed("again, unchanged", rows, write)


async def _run(n: int, dim: int) -> str:
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        extra = _write_files(root, n, dim)
        tracks = root / "tracks.jsonl"
        await _tracks("SQLite", f"sqlite+aiosqlite:///{root / 'segue.db'}", tracks, rows)
        server = os.environ.get("SEGUE_BENCH_POSTGRES_URL")
        if server:
            async with empty_database(server) as url:
                await _tracks("PostgreSQL", url, tracks, rows)
        await _vectors(root, root / "vectors.npy", root / "ids.txt", rows)
        if "parquet" in extra:
            await _vectors(root, extra["parquet"], None, rows)
    head = (
        f"Import of {n:,} tracks (JSONL) and {n:,} {dim}-d vectors; wall and CPU seconds, "
        "and the 1-minute load average when the step started.\n\n"
        "| step | wall | CPU | load |\n|---|---:|---:|---:|"
    )
    return "\n".join([head, *rows])


def run(n: int = 100_000, dim: int = 512) -> str:
    return asyncio.run(_run(n, dim))
