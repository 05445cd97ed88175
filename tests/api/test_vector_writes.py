"""Vectors written through the library, not the CLI, reach the next request (issue 20 item
2), and a write that changes nothing keeps every cached ranking (issue 26 item 8).

The cache is primed with a ranking computed before the write; only a moved index
generation (a new cache key) lets the next request see the new vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import sqlalchemy as sa

from segue.catalog import INDEX_GENERATION, CatalogIndexGeneration, Database
from segue.catalog._models import CatalogState, Track
from segue.engine import FloatMatrix, normalize
from segue.ingest import VectorFile, import_vectors
from segue.ingest.clap import FileOutcome, Manifest, content_id, embed_files
from segue.vectors import LocalVectorStore

from .conftest import DIM, NO_VECTOR, World

RATE = 48_000


def url(w: World) -> str:
    return f"/playlists/{w.playlist}/recommendations?limit=3"


async def suggested(w: World) -> list[int]:
    r = await w.client.get(url(w), headers=w.auth())
    assert r.status_code == 200, r.text
    assert r.json()["available"] is True
    return [t["id"] for t in r.json()["tracks"]]


async def index_generation(database: Database) -> int:
    async with database.sessionmaker() as s:
        value = await s.scalar(
            sa.select(CatalogState.value).where(CatalogState.name == INDEX_GENERATION)
        )
    return int(value or 0)


def playlist_centre(w: World) -> FloatMatrix:
    """A vector closer to the playlist (tracks 1 to 4) than any track's."""
    return normalize(w.vectors[:4].mean(axis=0, keepdims=True))


async def test_a_library_import_reaches_the_next_request(world: World, database: Database):
    before = await suggested(world)
    assert NO_VECTOR not in before  # no vector yet; this ranking is now cached
    data = VectorFile(np.array([NO_VECTOR], np.int64), playlist_centre(world))
    # Another process's store on the same index file, as `segue import vectors` would be.
    store = LocalVectorStore(world.settings.index_path)
    result = await import_vectors(store, data, generation=CatalogIndexGeneration(database))
    assert result.changed == 1
    assert (await suggested(world))[0] == NO_VECTOR


async def test_reimporting_the_same_vectors_keeps_the_cached_rankings(
    world: World, database: Database
):
    store = LocalVectorStore(world.settings.index_path)
    ids = np.arange(1, 13, dtype=np.int64)  # tracks 1 to 12, as the world wrote them
    generation = CatalogIndexGeneration(database)
    first = await suggested(world)
    moved = await index_generation(database)
    result = await import_vectors(store, VectorFile(ids, world.vectors[:12]), generation=generation)
    assert (result.vectors, result.changed) == (12, 0)
    assert await index_generation(database) == moved
    # One vector changed: only then does the generation move, and the ranking follow it.
    changed = world.vectors[:12].copy()
    changed[7] = playlist_centre(world)[0]  # track 8, not yet first
    assert first[0] != 8
    result = await import_vectors(store, VectorFile(ids, changed), generation=generation)
    assert (result.vectors, result.changed) == (12, 1)
    assert await index_generation(database) == moved + 1
    assert (await suggested(world))[0] == 8


class CentreEmbedder:
    """A stand-in for CLAP (tests/ingest/test_embed.py runs the real model): every window
    becomes the playlist's centre, so an embedded track ranks first."""

    name = "centre"
    sample_rate = RATE
    window_samples = RATE

    def __init__(self, centre: FloatMatrix) -> None:
        self.dimension = DIM
        self.centre = centre

    def embed_windows(self, windows: Sequence[np.ndarray]) -> FloatMatrix:
        return np.repeat(self.centre, len(windows), axis=0)


class Interrupted(Exception):
    pass


async def test_an_interrupted_embed_leaves_its_flushed_vectors_seen(
    world: World, database: Database, tmp_path: Path
):
    rng = np.random.default_rng(7)
    files = []
    for name in ("first.wav", "second.wav"):
        path = tmp_path / name
        sf.write(path, (0.1 * rng.standard_normal(RATE)).astype(np.float32), RATE)
        files.append(path)
    first_id = content_id(hashlib.sha256(files[0].read_bytes()).hexdigest())
    async with database.sessionmaker() as s:
        s.add(Track(id=first_id, title="Embedded", artist_did="did:plc:artist3"))
        await s.commit()
    assert first_id not in await suggested(world)  # cached, without the embedded track

    def stop_at_the_second(outcome: FileOutcome) -> None:
        # The first file is flushed (flush_every=1) before the second is embedded.
        if outcome.path == files[1]:
            raise Interrupted

    store = LocalVectorStore(world.settings.index_path)
    with pytest.raises(Interrupted):
        await embed_files(
            files,
            store=store,
            generation=CatalogIndexGeneration(database),
            manifest=Manifest.load(tmp_path / "manifest.json"),
            tracks_path=tmp_path / "tracks.jsonl",
            model_name="centre",
            load_embedder=lambda: CentreEmbedder(playlist_centre(world)),
            batch_size=1,
            flush_every=1,
            on_outcome=stop_at_the_second,
        )
    assert (await store.get_vectors([first_id])).ids.tolist() == [first_id]
    assert (await suggested(world))[0] == first_id
