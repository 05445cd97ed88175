"""What a server depends on, as it starts and on every ``/readyz``: never healthy while useless.

Issue 26: a server whose store held no vectors (an import into another directory's
relative ``segue-data``) answered ``/readyz`` 200 and every suggestion ``available: false``,
without a word. Now each dependency is reported at start in one line with what is in effect
(no secret: no password, no user, no key), an empty store beside a catalog with tracks is a
loud warning, and ``/readyz`` names each dependency and fails while a required one is
unusable: the database, and the vector store unless it is disabled. The cache is optional
(requests compute without it), so it is reported, never failed on.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from segue.cache import BreakerState
from segue.catalog import current_revision, has_tracks
from segue.errors import SegueError
from segue.settings import Settings, VectorBackend

if TYPE_CHECKING:
    from ._resources import Resources

__all__ = ["Dependency", "check_dependencies", "describe_settings", "log_startup"]

log = logging.getLogger("segue.api")


@dataclass(frozen=True, slots=True)
class Dependency:
    """One dependency's state: ``ok`` false and ``required`` true makes the server unready."""

    name: str
    ok: bool
    required: bool
    #: for a person and for /readyz: no host, no path, no secret
    status: str
    vectors: int | None = None


def _absolute(path: Path) -> str:
    return str(path.expanduser().resolve())


def describe_settings(settings: Settings) -> list[str]:
    """What is in effect, one line per part, relative paths as the absolute ones they are."""
    lines = [f"data dir: {_absolute(settings.data_dir)}"]
    if settings.database_is_embedded:
        lines.append(f"database: SQLite {_absolute(settings.data_dir / 'segue.db')}")
    else:
        url = make_url(settings.catalog_url)
        where = f"{url.host or 'local socket'}:{url.port or 'default port'}/{url.database}"
        lines.append(f"database: {url.get_backend_name()} at {where}")
    cache = settings.cache_backend.value
    if settings.redis_url is not None and cache in ("auto", "redis"):
        parts = urlsplit(settings.redis_url.get_secret_value())
        db = parts.path.lstrip("/") or "0"
        lines.append(
            f"cache: Redis at {parts.hostname}:{parts.port or 6379}/{db}, "
            f"ttl {settings.cache_ttl_seconds:g} s"
        )
    elif cache == "none":
        lines.append("cache: none (every request computes)")
    else:
        lines.append(f"cache: in process, at most {settings.cache_max_entries:,} entries")
    if settings.vector_backend is VectorBackend.LOCAL:
        lines.append(f"vectors: local index {_absolute(settings.index_path)}")
    elif settings.vector_backend is VectorBackend.TURBOPUFFER:
        region = settings.turbopuffer_base_url or settings.turbopuffer_region or "default region"
        lines.append(f"vectors: turbopuffer namespace {settings.turbopuffer_namespace} ({region})")
    else:
        lines.append("vectors: disabled (every recommendation is unavailable)")
    if settings.metrics_port is None:
        lines.append("metrics: /metrics on the API's port")
    else:
        lines.append(f"metrics: /metrics on {settings.metrics_host}:{settings.metrics_port} only")
    index = settings.ui_dir / "index.html"
    built = "" if index.is_file() else " (not built: the page answers 503)"
    lines.append(f"ui: {_absolute(settings.ui_dir)}{built}")
    return lines


async def _database(resources: Resources) -> Dependency:
    try:
        revision = await current_revision(resources.database)
    except SegueError:
        return Dependency("database", ok=False, required=True, status="unavailable")
    return Dependency("database", ok=True, required=True, status=f"ok, schema {revision}")


async def _vectors(resources: Resources) -> Dependency:
    store = resources.store
    if store is None:
        return Dependency("vectors", ok=True, required=False, status="disabled")
    try:
        async with asyncio.timeout(resources.settings.vector_timeout_seconds):
            count = await store.count()
    except (SegueError, TimeoutError):
        return Dependency("vectors", ok=False, required=True, status="unavailable")
    if count > 0:
        return Dependency("vectors", ok=True, required=True, status="ok", vectors=count)
    try:
        async with resources.database.reading() as conn:
            tracks = await has_tracks(conn)
    except SegueError:
        tracks = False  # the database's own entry says so
    if tracks:
        return Dependency(
            "vectors",
            ok=False,
            required=True,
            status="empty: the catalog has tracks and the store no vector",
            vectors=0,
        )
    return Dependency("vectors", ok=True, required=True, status="ok, empty catalog", vectors=0)


def _cache(resources: Resources) -> Dependency:
    link = resources.redis
    if link is not None:  # the cache's and the rate limits' one link to Redis
        state = link.breaker.state
        ok = state is BreakerState.CLOSED
        status = "ok" if ok else f"circuit {state.value}: requests go on without Redis"
        return Dependency("cache", ok=ok, required=False, status=status)
    return Dependency("cache", ok=True, required=False, status="ok")


async def check_dependencies(resources: Resources) -> list[Dependency]:
    """Each dependency's state now: the database, the vector store, the cache."""
    database, vectors = await asyncio.gather(_database(resources), _vectors(resources))
    return [database, vectors, _cache(resources)]


async def log_startup(resources: Resources) -> list[Dependency]:
    """Log what is in effect and each dependency's state; warn loudly about an empty store."""
    settings = resources.settings
    states = {d.name: d for d in await check_dependencies(resources)}
    for line in describe_settings(settings):
        part = line.split(":", 1)[0]
        state = states.get(part)
        if state is None:
            log.info("%s", line)
            continue
        extra = f", {state.vectors:,} vectors" if state.vectors else ""
        level = logging.INFO if state.ok else logging.WARNING
        log.log(level, "%s: %s%s", line, state.status, extra)
    vectors = states["vectors"]
    if vectors.vectors == 0 and not vectors.ok:
        log.warning(
            "THE VECTOR STORE IS EMPTY while the catalog has tracks: every recommendation "
            "will be unavailable and /readyz answers 503. Were the vectors imported with "
            "another data dir (this one is %s) or another SEGUE_VECTOR_BACKEND? "
            "Import them (`segue import vectors`) or embed them (`segue embed --catalog`).",
            _absolute(settings.data_dir),
        )
    return list(states.values())
