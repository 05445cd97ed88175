"""The 100k-track catalog the endpoint benchmark and the load test run against.

The vector index (the slow part: minutes for 100k x 512 on two cores) is built once and
kept under ``bench/.cache/`` (gitignored), with a marker written last so an interrupted
build is rebuilt rather than trusted. The PostgreSQL catalog is loaded into a database of
the run's own with the catalog's bulk writes, as the imports load it (seconds), and
dropped afterwards.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
from sqlalchemy.engine import make_url

from segue.catalog import (
    Database,
    PlaylistImport,
    create_token,
    ensure_user,
    open_database,
    replace_playlists,
    upgrade,
    upsert_tracks,
)
from segue.ingest import Problems, SyntheticCatalog, synthetic_catalog
from segue.settings import Settings
from segue.vectors import LocalVectorStore

__all__ = [
    "CACHE_DIR",
    "Catalog",
    "Owner",
    "bench_database",
    "build_index",
    "catalog_spec",
    "create_owners",
    "empty_database",
    "load_catalog",
    "recall_queries",
    "seeded_database",
    "with_dtype",
]

CACHE_DIR = Path(__file__).parent / ".cache"
_ADMIN_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Catalog:
    """What was generated: every track has a vector; ``hidden`` tracks are invisible."""

    n_tracks: int
    dim: int
    data_dir: Path  # holds vectors.usearch
    hidden: frozenset[int]

    @property
    def visible_ids(self) -> np.ndarray:
        ids = np.arange(1, self.n_tracks + 1, dtype=np.int64)
        return ids[~np.isin(ids, np.fromiter(self.hidden, np.int64, len(self.hidden)))]


@dataclass(frozen=True, slots=True)
class Owner:
    """A signed-in user of the benchmark with its bearer token and its playlists."""

    did: str
    token: str
    playlists: tuple[str, ...]


def catalog_spec(n_tracks: int, dim: int) -> Catalog:
    # One track in 97 is hidden: recommendations must skip them, the load test checks it.
    hidden = frozenset(range(97, n_tracks + 1, 97))
    return Catalog(n_tracks, dim, CACHE_DIR / f"catalog-{n_tracks}x{dim}", hidden)


def _n_artists(n_tracks: int) -> int:
    return max(30, n_tracks // 17)


def with_dtype(spec: Catalog, dtype: str) -> Catalog:
    """The same catalog with its index in a data dir of its own, built in ``dtype``."""
    return replace(spec, data_dir=spec.data_dir.with_name(f"{spec.data_dir.name}-{dtype}"))


def build_index(spec: Catalog, *, dtype: str | None = None, log: bool = True) -> None:
    """Build the index for ``spec`` unless a complete one is cached already.

    ``dtype`` is the graph's type; by default Segue's (``SEGUE_LOCAL_INDEX_DTYPE``), so
    ``segue serve`` on this data dir serves the index it would build itself.
    """
    marker = spec.data_dir / "complete.json"
    dtype = dtype or Settings().local_index_dtype.value
    store = LocalVectorStore(spec.data_dir / "vectors.usearch", dtype=dtype)
    # The store's build parameters too: an index built with other defaults is rebuilt.
    expected = {
        "n_tracks": spec.n_tracks,
        "dim": spec.dim,
        "seed": 0,
        "dtype": dtype,
        "connectivity": store.connectivity,
        "expansion_add": store.expansion_add,
    }
    if marker.is_file() and json.loads(marker.read_text()) == expected:
        return
    if spec.data_dir.exists():
        shutil.rmtree(spec.data_dir)
    spec.data_dir.mkdir(parents=True)
    if log:
        print(f"building the {spec.n_tracks:,} x {spec.dim} index once (cached after)", flush=True)
    cat = synthetic_catalog(spec.n_tracks, dim=spec.dim, n_artists=_n_artists(spec.n_tracks))
    asyncio.run(store.upsert(cat.ids, cat.vectors))
    marker.write_text(json.dumps(expected))


async def _admin(admin_url: str, statement: str) -> None:
    conn = await asyncpg.connect(admin_url, timeout=_ADMIN_TIMEOUT)
    try:
        await conn.execute(statement, timeout=_ADMIN_TIMEOUT)
    finally:
        await conn.close()


def recall_queries(
    cat: SyntheticCatalog, n_queries: int, rng: np.random.Generator, *, k: int = 10
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Queries near catalog tracks (a track's vector plus noise, normalised), and each one's
    exact ``k`` nearest ids by cosine: what an index's recall is measured against.

        >>> queries, truth = recall_queries(cat, 1000, np.random.default_rng(1))  # doctest: +SKIP
    """
    dim = cat.vectors.shape[1]
    picks = rng.choice(len(cat.ids), size=n_queries, replace=False)
    noise = 0.3 * rng.normal(size=(n_queries, dim)).astype(np.float32) / np.sqrt(dim)
    queries = cat.vectors[picks] + noise
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    # Exact, in blocks of 50 queries: one matrix product each, bounded memory.
    nearest = np.vstack(
        [
            np.argsort(-(queries[s : s + 50] @ cat.vectors.T), axis=1)[:, :k]
            for s in range(0, n_queries, 50)
        ]
    )
    return queries, cat.ids[nearest]


@asynccontextmanager
async def empty_database(admin_url: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database on ``admin_url``'s server; yields its URL, dropped
    (whoever is still connected) on the way out.

        >>> async with empty_database(POSTGRES_ADMIN_URL) as url:
        ...     ...  # doctest: +SKIP
    """
    name = f"segue_bench_{secrets.token_hex(6)}"
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def bench_database(admin_url: str) -> AsyncIterator[str]:
    """A new, migrated PostgreSQL database for this run; dropped on the way out."""
    async with empty_database(admin_url) as url:
        async with open_database(Settings(database_url=url)) as database:
            await upgrade(database)
        yield url


async def load_catalog(database: Database, spec: Catalog) -> None:
    """Artists and tracks (the same artist assignment as the index's generator)."""
    # The same generator as the index's, so a track's artist is the one its vector is near.
    cat = synthetic_catalog(spec.n_tracks, dim=spec.dim, n_artists=_n_artists(spec.n_tracks))
    artist_of = cat.artist
    n_artists = _n_artists(spec.n_tracks)
    artists = [
        {
            "did": f"did:plc:bench{a:06d}",
            "handle": f"artist{a}.bench.test",
            "display_name": f"Artist {a}",
        }
        for a in range(n_artists)
    ]
    tracks = [
        {
            "id": i,
            "title": f"Track {i}",
            "artist_did": f"did:plc:bench{int(artist_of[i - 1]):06d}",
            "image_url": f"https://img.bench.test/{i}.jpg",
            "uri": None,
            "cid": None,
            "visible": i not in spec.hidden,
        }
        for i in range(1, spec.n_tracks + 1)
    ]
    await upsert_tracks(database, artists, tracks)


def _base32(n: int, width: int) -> str:
    """``n`` in the alphabet of did:plc identifiers, ``width`` characters."""
    digits = []
    for _ in range(width):
        n, d = divmod(n, 32)
        digits.append("abcdefghijklmnopqrstuvwxyz234567"[d])
    return "".join(reversed(digits))


async def create_owners(
    database: Database, playlists_per_owner: Sequence[Sequence[Sequence[int]]]
) -> list[Owner]:
    """One user per entry, each with a token and playlists holding the given track ids.

    Each user is signed in once (``ensure_user``) and given a token; their playlists are
    then written as ``segue import playlists`` writes them (the catalog computes the
    record CIDs).
    """
    owners: list[Owner] = []
    playlists: list[PlaylistImport] = []
    async with database.sessionmaker() as session:
        for n, lists in enumerate(playlists_per_owner):
            # A did:plc of the real shape (24 base32 characters), so the service-auth row
            # can resolve it from its PLC stand-in (bench/_service_auth.py).
            did = f"did:plc:benchuser{_base32(n, 15)}"
            await ensure_user(session, did, f"user{n}.bench.test")
            token = await create_token(session, did)
            mine = [
                PlaylistImport(f"owner {n}", secrets.token_hex(6), did, "Bench", tuple(ids))
                for ids in lists
            ]
            playlists += mine
            owners.append(Owner(did, token.token, tuple(p.id for p in mine)))
    await replace_playlists(database, playlists, Problems("bench playlists"))
    return owners


@asynccontextmanager
async def seeded_database(
    admin_url: str, spec: Catalog, playlists: Sequence[Sequence[Sequence[int]]]
) -> AsyncIterator[tuple[str, list[Owner]]]:
    """A bench database holding ``spec``'s catalog and one owner per entry of ``playlists``
    (their playlists' track ids); yields its URL and the owners, dropped on the way out.

        >>> async with seeded_database(POSTGRES_ADMIN_URL, spec, [[[1, 2, 3]]]) as (url, owners):
        ...     ...  # doctest: +SKIP
    """
    async with bench_database(admin_url) as url:
        async with open_database(Settings(database_url=url)) as database:
            await load_catalog(database, spec)
            owners = await create_owners(database, playlists)
        yield url, owners
