"""An API over a real catalog, a real local index and a real cache.

Runs twice: PostgreSQL with Redis (this run's key prefix), and SQLite with the in-process
cache. Requests go through the ASGI app with its lifespan, as uvicorn would run it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from segue.api import create_app
from segue.catalog import Database, create_playlist, create_token, ensure_user
from segue.catalog._models import Artist, Track
from segue.engine import normalize
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from ..support import REDIS_URL

N_ARTISTS = 4
PER_ARTIST = 15
DIM = 24
HIDDEN, DELETED, NO_VECTOR = 13, 14, 15  # all by artist 0


@dataclass
class World:
    client: httpx.AsyncClient
    app: FastAPI
    settings: Settings
    alice: str  # tokens
    bob: str
    playlist: str  # alice's: tracks 1, 2, 3, 4 (artist 0)
    empty: str  # alice's, no tracks
    bobs: str  # bob's: track 16
    vectors: np.ndarray  # row i is track i + 1

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.alice}"}


def artist_of(track_id: int) -> int:
    return (track_id - 1) // PER_ARTIST


def make_api_settings(
    settings: Settings, database_url: str, request: pytest.FixtureRequest, **more: object
) -> Settings:
    """The API tests' settings (Redis with PostgreSQL, the in-process cache with SQLite),
    with ``more`` on top: for a module that overrides ``api_settings``."""
    extra: dict[str, object] = {
        "ui_dir": settings.data_dir / "no-ui",
        # The hosts the seeded covers and the tests' previews are on (docs/atproto.md, Trust).
        "image_origins": "https://img.example",
        "audio_origins": "https://cdn.example",
    }
    if database_url.startswith("postgresql"):
        extra |= {"redis_url": REDIS_URL, "cache_prefix": request.getfixturevalue("key_prefix")}
    else:
        extra |= {"cache_backend": "memory"}
    return Settings.model_validate({**settings.model_dump(), **extra, **more})


@pytest.fixture
def api_settings(settings: Settings, database_url: str, request: pytest.FixtureRequest) -> Settings:
    return make_api_settings(settings, database_url, request)


async def _seed(database: Database, store: LocalVectorStore) -> tuple[dict[str, str], np.ndarray]:
    rng = np.random.default_rng(0)
    centres = normalize(rng.normal(size=(N_ARTISTS, DIM)).astype(np.float32))
    n = N_ARTISTS * PER_ARTIST
    ids = np.arange(1, n + 1)
    noise = normalize(rng.normal(size=(n, DIM)).astype(np.float32))
    vectors = normalize(centres[(ids - 1) // PER_ARTIST] + 0.3 * noise)
    keep = ids != NO_VECTOR
    await store.upsert(ids[keep], vectors[keep])
    async with database.sessionmaker() as s:
        alice = await ensure_user(s, "did:plc:alice", "alice.example.com", "Alice")
        bob = await ensure_user(s, "did:plc:bob", "bob.example.com", None)
        for a in range(N_ARTISTS):
            s.add(
                Artist(
                    did=f"did:plc:artist{a}",
                    handle=f"artist{a}.example.com",
                    display_name=f"Artist {a}",
                )
            )
        for i in ids.tolist():
            s.add(
                Track(
                    id=i,
                    title=f"Track {i}",
                    artist_did=f"did:plc:artist{artist_of(i)}",
                    image_url=f"https://img.example/{i}.png",
                    visible=i != HIDDEN,
                    deleted_at=None if i != DELETED else datetime(2025, 1, 1, tzinfo=UTC),
                )
            )
        await s.commit()
    return {"alice": alice.did, "bob": bob.did}, vectors


@pytest.fixture
async def world(api_settings: Settings, database: Database) -> AsyncIterator[World]:
    store = LocalVectorStore(api_settings.index_path)
    dids, vectors = await _seed(database, store)
    async with database.sessionmaker() as s:
        alice_token = (await create_token(s, dids["alice"])).token
        bob_token = (await create_token(s, dids["bob"])).token
        playlist = await create_playlist(s, dids["alice"], "Mine")
        empty = await create_playlist(s, dids["alice"], "Empty")
        bobs = await create_playlist(s, dids["bob"], "Bob's")
    app = create_app(api_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as client:
            w = World(
                client,
                app,
                api_settings,
                alice_token,
                bob_token,
                playlist.id,
                empty.id,
                bobs.id,
                vectors,
            )
            for t in (1, 2, 3, 4):
                r = await client.post(
                    f"/playlists/{playlist.id}/tracks", json={"track_id": t}, headers=w.auth()
                )
                assert r.status_code == 200, r.text
            r = await client.post(
                f"/playlists/{bobs.id}/tracks", json={"track_id": 16}, headers=w.auth(bob_token)
            )
            assert r.status_code == 200, r.text
            yield w
