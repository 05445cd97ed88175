"""A track whose embedding is pending or failed is never an error: the API treats it as any
track without a vector (docs/embedding.md), on PostgreSQL and SQLite."""

from __future__ import annotations

import sqlalchemy as sa

from segue.catalog import (
    Database,
    claim_embeddings,
    embedding_counts,
    fail_embedding,
    note_audio_sources,
)
from segue.catalog._models import Track

from .conftest import NO_VECTOR, World

CDN = "https://cdn.example.com"


async def test_pending_and_failed_tracks_are_tracks_without_vectors(
    world: World, database: Database
) -> None:
    c, h = world.client, world.auth()
    failed_one = 7  # has a vector from elsewhere; its own audio could not be embedded
    async with database.sessionmaker.begin() as session:
        for track in (NO_VECTOR, failed_one):
            await session.execute(
                sa.update(Track).where(Track.id == track).values(audio_url=f"{CDN}/{track}.mp3")
            )
        await note_audio_sources(session, [NO_VECTOR, failed_one], audio_origins=(CDN,))
    claims = await claim_embeddings(database, "w", limit=5, lease_seconds=60)
    [claim] = [c for c in claims if c.track_id == failed_one]
    await fail_embedding(database, claim, "HTTP 404", retry_in=None)
    assert await embedding_counts(database) == {"pending": 1, "done": 0, "failed": 1}

    r = await c.post("/playlists", json={"name": "Waiting"}, headers=h)
    pid = r.json()["id"]
    for track in (NO_VECTOR, failed_one, 1):
        r = await c.post(f"/playlists/{pid}/tracks", json={"track_id": track}, headers=h)
        assert r.status_code == 200, r.text
    page = await c.get(f"/playlists/{pid}", headers=h)
    assert page.status_code == 200, page.text
    assert [t["id"] for t in page.json()["tracks"]] == [NO_VECTOR, failed_one, 1]
    r = await c.get(f"/playlists/{pid}/recommendations?limit=5", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["available"] is True
    assert len(body["tracks"]) == 5
    assert NO_VECTOR not in {t["id"] for t in body["tracks"]}

    # A playlist of the pending track alone: nothing to plan from, said as for any
    # track without a vector.
    r = await c.post("/playlists", json={"name": "Only pending"}, headers=h)
    alone = r.json()["id"]
    await c.post(f"/playlists/{alone}/tracks", json={"track_id": NO_VECTOR}, headers=h)
    r = await c.get(f"/playlists/{alone}/recommendations?limit=3", headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == {"tracks": [], "available": False, "more": False}
