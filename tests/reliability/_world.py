"""A small catalog for the fault tests: tracks with vectors, one user, many playlists."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import numpy as np
import sqlalchemy as sa
from fastapi import FastAPI

from segue.api import create_app
from segue.atproto import playlist_record_cid, track_ref
from segue.catalog import create_token, ensure_user, open_database
from segue.catalog._models import Artist, Playlist, PlaylistItem, Track
from segue.ingest import synthetic_catalog
from segue.settings import Settings
from segue.vectors import LocalVectorStore

__all__ = ["SmallWorld", "running_app", "seed"]

ARTIST = "did:plc:artist"


@dataclass(frozen=True)
class SmallWorld:
    token: str
    playlists: list[str]  # each holds a few tracks, every one with a vector
    members: dict[str, frozenset[int]]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def seed(
    settings: Settings, *, n_tracks: int = 300, dim: int = 16, n_playlists: int = 40
) -> SmallWorld:
    """Tracks 1..n_tracks with clustered vectors, and ``n_playlists`` playlists of 2-8."""
    cat = synthetic_catalog(n_tracks, dim=dim, n_styles=3, n_artists=12, seed=1)
    await LocalVectorStore(settings.index_path).upsert(cat.ids, cat.vectors)
    rng = np.random.default_rng(2)
    database = open_database(settings)
    try:
        async with database.sessionmaker() as s:
            user = await ensure_user(s, "did:plc:alice", "alice.example.com")
            token = (await create_token(s, user.did)).token
            s.add(Artist(did=ARTIST, handle="artist.example.com"))
            await s.flush()
            rows = [
                {"id": i, "title": f"Track {i}", "artist_did": ARTIST} for i in cat.ids.tolist()
            ]
            await s.execute(sa.insert(Track), rows)
            playlists, items, members = [], [], {}
            for _ in range(n_playlists):
                pid = secrets.token_hex(6)
                ids = rng.choice(cat.ids, size=int(rng.integers(2, 9)), replace=False).tolist()
                refs = [track_ref(t, ARTIST, uri=None, cid=None) for t in ids]
                playlists.append(
                    {
                        "id": pid,
                        "owner_did": user.did,
                        "name": "P",
                        "record_cid": playlist_record_cid("P", refs),
                    }
                )
                items += [
                    {"playlist_id": pid, "track_id": t, "position": p} for p, t in enumerate(ids)
                ]
                members[pid] = frozenset(ids)
            await s.execute(sa.insert(Playlist), playlists)
            await s.execute(sa.insert(PlaylistItem), items)
            await s.commit()
    finally:
        await database.aclose()
    return SmallWorld(token, list(members), members)


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app with its lifespan, and a client that calls it in this process."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://segue.test") as client:
            yield app, client
