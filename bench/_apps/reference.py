"""The reference app: a cache hit's four round trips, written directly with asyncpg + redis-py.

    SEGUE_DATABASE_URL=postgresql://... SEGUE_REDIS_URL=redis://... SEGUE_CACHE_PREFIX=p \
        uvicorn bench._apps.reference:app --port 8000

What `GET /playlists/{id}/recommendations` costs when nothing but the necessary work is
done, for the serving benchmark to compare Segue's cache hit with (issue 11): (1) the
token's user by token id, its hash compared in constant time; (2) the playlist's owner and
record CID; (3) Redis GET of the ids Segue cached under that CID; (4) one SELECT of those
tracks joined with their artists, visible and not deleted, and of the playlist tracks
each sounds like (their titles are "because"), put in ranked order (first page only). It reads
the same database and the cache entries `segue serve` wrote (the key and value formats
are Segue's, imported from it), with pools sized as Segue's are. A cache miss answers
``available: false``: this app never computes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import asyncpg
from fastapi import FastAPI, Header, HTTPException, Query
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from segue.cache._codec import decode_ids
from segue.catalog import PlaylistHead
from segue.recommendations import CacheKeys
from segue.settings import Settings
from segue.vectors import open_store

__all__ = ["app"]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()  # as segue.catalog.hash_token


_TOKEN = re.compile(r"Bearer segue_(?P<id>[a-z2-7]{16})_[A-Za-z0-9_-]{43}")
_USER = """
    SELECT t.token_hash, t.revoked_at, u.did FROM api_tokens t
    JOIN users u ON u.did = t.user_did WHERE t.id = $1
"""
# The owner, the record CID and the three generations of the cache key, as Segue reads them.
_PLAYLIST = """
    SELECT owner_did, record_cid, seeds_generation,
           (SELECT value FROM catalog_state WHERE name = 'index_generation') AS index_generation,
           dismissals_generation
    FROM playlists WHERE id = $1
"""
_HYDRATE = """
    SELECT t.id, t.title, a.handle, a.display_name, t.image_url, t.audio_url FROM tracks t
    JOIN artists a ON a.did = t.artist_did
    WHERE t.id = ANY($1::bigint[]) AND t.visible AND t.deleted_at IS NULL
"""


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Segue's defaults: a pool of 10 + 10 overflow, 5 s timeouts, Redis at 50 ms, no retry.
    size = int(os.environ.get("SEGUE_DATABASE_POOL_SIZE", 10))
    overflow = int(os.environ.get("SEGUE_DATABASE_MAX_OVERFLOW", 10))
    url = os.environ["SEGUE_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    app.state.pool = await asyncpg.create_pool(
        url,
        min_size=1,
        max_size=size + overflow,
        timeout=_env_float("SEGUE_DATABASE_CONNECT_TIMEOUT", 5.0),
        command_timeout=_env_float("SEGUE_DATABASE_STATEMENT_TIMEOUT", 5.0),
    )
    redis_timeout = _env_float("SEGUE_REDIS_TIMEOUT_MS", 250) / 1000
    app.state.redis = Redis.from_url(
        os.environ["SEGUE_REDIS_URL"],
        socket_timeout=redis_timeout,
        socket_connect_timeout=redis_timeout,
        retry=Retry(NoBackoff(), 0),
    )
    # Segue's own key builder (its configuration digest names the store by its identity,
    # so the store is opened for it, and never read).
    settings = Settings()
    async with open_store(settings) as store:
        app.state.keys = CacheKeys.from_settings(settings, store)
    try:
        yield
    finally:
        await app.state.redis.aclose()
        await app.state.pool.close()


app = FastAPI(lifespan=_lifespan)


@app.get("/readyz")
async def readyz() -> dict[str, str]:
    return {"status": "ready"}


@app.get("/playlists/{playlist_id}/recommendations")
async def recommendations(
    playlist_id: str,
    authorization: Annotated[str, Header()] = "",
    limit: Annotated[int, Query(ge=1, le=10)] = 3,
) -> dict[str, object]:
    match = _TOKEN.fullmatch(authorization)
    if match is None:
        raise HTTPException(401, "invalid token")
    async with app.state.pool.acquire() as conn:
        user = await conn.fetchrow(_USER, match["id"])
        presented = _hash(authorization.removeprefix("Bearer "))
        stored = user["token_hash"] if user is not None else _hash("")
        if not hmac.compare_digest(stored, presented) or user is None or user["revoked_at"]:
            raise HTTPException(401, "invalid token")
        playlist = await conn.fetchrow(_PLAYLIST, playlist_id)
        if playlist is None:
            raise HTTPException(404, "no such playlist")
        if playlist["owner_did"] != user["did"]:
            raise HTTPException(403, "only the playlist's owner can do this")
        head = PlaylistHead(
            playlist_id,
            playlist["owner_did"],
            playlist["record_cid"],
            playlist["seeds_generation"],
            playlist["index_generation"] or 0,
            dismissals_generation=playlist["dismissals_generation"],
        )
        key = app.state.keys.key(head)
        raw = await app.state.redis.get(key)
        if raw is None:
            return {"tracks": [], "available": False, "more": False}
        ranked = decode_ids(raw)
        because = dict(zip(ranked, ranked.because, strict=False))
        wanted = [*ranked, *because.values()]
        rows = {row["id"]: row for row in await conn.fetch(_HYDRATE, wanted)}
    tracks = [
        {
            "id": i,
            "title": rows[i]["title"],
            "artist_handle": rows[i]["handle"],
            "artist_display_name": rows[i]["display_name"],
            "image_url": rows[i]["image_url"],
            "because": _because(rows.get(because.get(i, -1))),
            "audio_url": rows[i]["audio_url"],
        }
        for i in ranked
        if i in rows
    ]
    # Segue's more also counts a ranking it could compute longer; the first page of a
    # cached one almost always has more after it.
    return {"tracks": tracks[:limit], "available": True, "more": len(tracks) > limit}


def _because(row: asyncpg.Record | None) -> dict[str, object] | None:
    return None if row is None else {"track_id": row["id"], "title": row["title"]}
