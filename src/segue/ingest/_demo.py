"""The demo: a generated catalog built once into ``<data dir>/demo`` and reused after.

Everything is embedded (a SQLite file, the local index, covers as files), whatever the
environment says, so a demo can never write into a real PostgreSQL or turbopuffer. The
build goes through the same validation and import services as ``segue import``.

    >>> info = await build_demo(Settings())  # doctest: +SKIP
    >>> info.login_url("127.0.0.1", 8000)  # doctest: +SKIP
    'http://127.0.0.1:8000/login#token=segue_...'
    >>> app = create_app(info.settings)  # serve info.covers_dir at /demo-covers  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy.exc as sa_exc

from segue._files import atomic_write_text, private_dir
from segue.catalog import (
    CatalogIndexGeneration,
    Database,
    Steps,
    UserView,
    create_token,
    get_user,
    no_progress,
    open_database,
    upgrade,
    verify_token,
)
from segue.errors import NotFound, SegueError, Unauthorized
from segue.settings import CacheBackend, Settings, VectorBackend
from segue.vectors import LocalVectorStore

from ._demo_catalog import (
    COVERS_URL_PATH,
    DEMO_ARTISTS,
    DEMO_DIM,
    DEMO_SEED,
    DEMO_TRACKS,
    generate_demo,
)
from ._playlists import import_playlists, parse_playlists
from ._problems import Problems
from ._rows import Row
from ._tracks import import_tracks, parse_tracks
from ._vector_checks import check_vectors
from ._vectors import import_vectors

__all__ = [
    "DEMO_TOKEN_LIFETIME",
    "DEMO_VERSION",
    "DemoInfo",
    "DemoPlaylist",
    "build_demo",
    "demo_settings",
]

# Bump when what the demo generates changes: a demo dir built by another version is rebuilt.
DEMO_VERSION = 2  # 2: distinct titles per artist
_MARKER = "demo.json"
_TOKEN_FILE = "demo-token"
#: The demo token's lifetime: long enough for a demo, short enough that a copied sign-in
#: address does not work for ever; the next `segue demo` issues a new one after it.
DEMO_TOKEN_LIFETIME = timedelta(days=30)
_LOCK_FILE = ".demo.lock"
_COVERS_DIR = "demo-covers"
# Everything a build writes (and a rebuild removes); nothing else in the folder is touched.
_BUILT_FILES = ("segue.db", "segue.db-wal", "segue.db-shm", "vectors.usearch", _TOKEN_FILE)


@dataclass(frozen=True, slots=True)
class DemoPlaylist:
    id: str
    name: str
    style: str
    track_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True, repr=False)
class DemoInfo:
    """What ``segue demo`` needs to serve and announce the demo."""

    settings: Settings  # embedded settings whose data dir holds the demo
    token: str  # the demo user's API token (secret; stored 0600 in the data dir)
    user: UserView
    playlists: tuple[DemoPlaylist, ...]
    built: bool  # True if this call built the catalog, False if it was already there

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def covers_dir(self) -> Path:
        """Serve this folder at ``/demo-covers``: the tracks' image URLs point there."""
        return self.settings.data_dir / _COVERS_DIR

    def login_url(self, host: str = "127.0.0.1", port: int = 8000) -> str:
        """The address that opens the UI signed in as the demo user.

        The token is in the fragment (``#token=``), which a browser never sends to a
        server: it stays out of access logs and proxies, and the page removes it from
        the address bar and the history as soon as it has read it.
        """
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/login#token={quote(self.token, safe='')}"

    def __repr__(self) -> str:
        return f"DemoInfo(data_dir={str(self.data_dir)!r}, user={self.user.did!r}, token='***')"


def demo_settings(settings: Settings) -> Settings:
    """``settings`` turned fully embedded, with ``<data dir>/demo`` as the data dir."""
    return settings.model_copy(
        update={
            "data_dir": settings.data_dir / "demo",
            "database_url": None,
            "vector_backend": VectorBackend.LOCAL,
            "cache_backend": CacheBackend.MEMORY,
            "redis_url": None,
        }
    )


@asynccontextmanager
async def _exclusive(path: Path) -> AsyncIterator[None]:
    """Hold an exclusive lock on ``path``: two ``segue demo`` at once build only once."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


async def build_demo(
    settings: Settings,
    *,
    steps: Steps = no_progress,
    tracks: int = DEMO_TRACKS,
    artists: int = DEMO_ARTISTS,
    dim: int = DEMO_DIM,
) -> DemoInfo:
    """Build the demo catalog into ``<settings.data_dir>/demo`` unless it is already there.

    A finished build leaves a marker (``demo.json``, written last); a later call that finds
    it with the same version and sizes only checks the catalog and returns, in about a
    second. Anything else (no marker, another version, a half-finished build) is rebuilt
    from scratch. The smaller sizes are for tests.
    """
    demo = demo_settings(settings)
    root = private_dir(demo.data_dir)
    params = {"version": DEMO_VERSION, "tracks": tracks, "artists": artists, "dim": dim}
    async with _exclusive(root / _LOCK_FILE):
        marker = _read_marker(root / _MARKER)
        if marker is not None and marker.get("params") == params:
            try:
                existing = await _reopen(demo, marker)
            except (KeyError, TypeError, ValueError, SegueError, sa_exc.DBAPIError):
                # A marker that is not ours, a damaged database or index file: the demo
                # holds nothing worth keeping, so rebuilding beats failing `make demo`.
                existing = None
            if existing is not None:
                return existing
        _clear(root)
        return await _build(demo, params, steps)


def _read_marker(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None  # no demo yet, or a damaged marker: either way, build
    return value if isinstance(value, dict) else None


def _clear(root: Path) -> None:
    (root / _MARKER).unlink(missing_ok=True)  # first: a half-cleared demo is never "built"
    for name in _BUILT_FILES:
        (root / name).unlink(missing_ok=True)
    shutil.rmtree(root / _COVERS_DIR, ignore_errors=True)


async def _token(database: Database, root: Path, user_did: str) -> str:
    """The stored demo token if it still works, else a new one (stored for next time).

    The token is reused from run to run (its sign-in address stays the same) and expires
    after :data:`DEMO_TOKEN_LIFETIME`; an expired, revoked (signed out) or lost one is
    replaced by the next ``segue demo``.
    """
    path = root / _TOKEN_FILE
    async with database.sessionmaker() as session:
        try:
            token = path.read_text(encoding="utf-8").strip()
            await verify_token(session, token)
            return token
        except (OSError, UnicodeDecodeError, Unauthorized):
            pass  # missing, unreadable or revoked: issue a fresh one
        issued = await create_token(session, user_did, expires_in=DEMO_TOKEN_LIFETIME)
    atomic_write_text(path, issued.token + "\n", mode=0o600)  # a credential: the owner's only
    return issued.token


def _playlists(marker: dict[str, Any]) -> tuple[DemoPlaylist, ...]:
    return tuple(
        DemoPlaylist(p["id"], p["name"], p["style"], tuple(p["track_ids"]))
        for p in marker["playlists"]
    )


async def _reopen(demo: Settings, marker: dict[str, Any]) -> DemoInfo | None:
    """The finished demo as it is, or ``None`` if any part of it is missing."""
    async with LocalVectorStore(demo.index_path) as index:
        if await index.count() != marker["params"]["tracks"]:
            return None
    if not (demo.data_dir / "segue.db").exists():
        return None
    async with open_database(demo) as database:
        await upgrade(database)  # a newer Segue may have added migrations
        async with database.sessionmaker() as session:
            try:
                user = await get_user(session, marker["user_did"])
            except NotFound:
                return None
        token = await _token(database, demo.data_dir, user.did)
    return DemoInfo(demo, token, user, _playlists(marker), built=False)


async def _build(demo: Settings, params: dict[str, Any], steps: Steps) -> DemoInfo:
    root = demo.data_dir
    catalog = generate_demo(
        tracks=params["tracks"], artists=params["artists"], dim=params["dim"], seed=DEMO_SEED
    )
    covers = root / _COVERS_DIR
    covers.mkdir(exist_ok=True)
    advance = steps("writing demo covers", len(catalog.covers))
    for name, svg in catalog.covers.items():
        (covers / name).write_text(svg, encoding="utf-8")
        advance(1)

    # The same path as `segue import tracks/vectors/playlists`, on rows made in memory.
    track_rows = [Row(f"demo track {i}", row) for i, row in enumerate(catalog.track_rows)]
    batch = parse_tracks(track_rows, Problems("demo tracks"), steps=steps)
    vectors = check_vectors(catalog.ids, catalog.vectors, source="demo vectors")
    playlist_rows = [Row(f"demo playlist {i}", p) for i, p in enumerate(catalog.playlist_rows)]
    playlists = parse_playlists(playlist_rows, Problems("demo playlists"), steps=steps)

    async with open_database(demo) as database:
        await upgrade(database)
        await import_tracks(database, batch, steps=steps)
        async with LocalVectorStore(
            demo.index_path,
            dtype=demo.local_index_dtype.value,
            exact_threshold=demo.local_exact_threshold,
        ) as store:
            await import_vectors(
                store,
                vectors,
                generation=CatalogIndexGeneration(database),
                source="demo vectors",
                steps=steps,
            )
        await import_playlists(database, playlists, source="demo playlists", steps=steps)
        async with database.sessionmaker() as session:
            user = await get_user(session, catalog.user["did"])
        token = await _token(database, root, user.did)

    demo_playlists = tuple(
        DemoPlaylist(p.id, p.name, style, p.tracks)
        for p, style in zip(playlists, catalog.playlist_styles, strict=True)
    )
    marker = {
        "params": params,
        "label": "Generated demo data: made-up artists, tracks and covers, not real music.",
        "covers_url": COVERS_URL_PATH,
        "user_did": user.did,
        "playlists": [
            {"id": p.id, "name": p.name, "style": p.style, "track_ids": list(p.track_ids)}
            for p in demo_playlists
        ],
    }
    atomic_write_text(root / _MARKER, json.dumps(marker, indent=1) + "\n")
    return DemoInfo(demo, token, user, demo_playlists, built=True)
