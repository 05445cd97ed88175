"""A track that kills its worker (the model runs out of memory on it, say) is not handed out
for ever: the crash gives the leases back with the attempt counted, the suspects are then
embedded one at a time with nothing else in flight, and once its attempts are spent the
culprit is failed with a reason while the tracks that went down with it embed; on
PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf
import sqlalchemy as sa

from segue.catalog import Database, failed_embeddings, upsert_tracks
from segue.catalog._models import EmbeddingState
from segue.engine import FloatMatrix
from segue.ingest.audio import AudioFetcher, EmbedOptions, embed_catalog
from segue.ingest.clap import ClapEmbedder
from segue.vectors import LocalVectorStore

from ..support.audio_server import AudioServer
from .test_embed import RATE, signal

ARTIST = {"did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz", "handle": "alice.example.com"}
BOMB_SECONDS = 2.5  # the one track of this length kills the model


class DyingModel:
    """The tiny CLAP model, which runs out of memory on any window of the bomb's length."""

    def __init__(self, model: ClapEmbedder) -> None:
        self.model = model
        self.name = model.name
        self.sample_rate = model.sample_rate
        self.window_samples = model.window_samples
        self.dimension = model.dimension
        self.calls: list[int] = []  # windows per call

    def embed_windows(self, windows: Sequence[npt.NDArray[np.float32]]) -> FloatMatrix:
        self.calls.append(len(windows))
        if any(w.size == round(BOMB_SECONDS * self.sample_rate) for w in windows):
            raise MemoryError
        return self.model.embed_windows(windows)


async def states(database: Database) -> dict[int, tuple[str, int]]:
    async with database.reading() as conn:
        rows = await conn.execute(
            sa.select(EmbeddingState.track_id, EmbeddingState.state, EmbeddingState.attempts)
        )
        return {track: (state, attempts) for track, state, attempts in rows}


async def test_a_track_that_kills_its_worker_is_failed_once_its_attempts_are_spent(
    database: Database, clap_dir: Path, tmp_path: Path
) -> None:
    for name, seconds, seed in (("bomb", BOMB_SECONDS, 1), ("b", 6.0, 2), ("c", 3.0, 3)):
        sf.write(tmp_path / f"{name}.wav", signal(seconds, RATE, seed=seed), RATE)
    store = LocalVectorStore(tmp_path / "vectors.usearch")
    model = DyingModel(ClapEmbedder.load(str(clap_dir)))
    options = EmbedOptions(worker="w", model_name="tiny", max_attempts=3)
    with AudioServer(tmp_path) as server:
        rows = [
            {"id": i, "title": f"T{i}", "artist_did": ARTIST["did"], "image_url": None,
             "audio_url": server.url(f"/files/{name}.wav"), "uri": None, "cid": None}
            for i, name in ((1, "bomb"), (2, "b"), (3, "c"))
        ]  # fmt: skip
        await upsert_tracks(database, [ARTIST], rows, audio_origins=(server.origin,))
        async with AudioFetcher(origins=(server.origin,)) as fetcher:

            async def run() -> None:
                await embed_catalog(database, store, fetcher=fetcher, blobs=None,
                                    load_embedder=lambda: model, options=options)  # fmt: skip

            # Each run is a worker started again (a supervisor's restart) and killed again.
            for _ in range(3):
                with pytest.raises(MemoryError):
                    await run()
            # All three went down with the first crash (one attempt each); after it, the bomb
            # was tried alone, so the others spent no attempt of their own on it.
            assert await states(database) == {1: ("pending", 3), 2: ("pending", 1),
                                              3: ("pending", 1)}  # fmt: skip
            assert model.calls == [3, 1, 1]
            await run()  # the bomb is not handed out a fourth time: the worker lives
    final = await states(database)
    assert final == {1: ("failed", 3), 2: ("done", 2), 3: ("done", 2)}
    [failed] = await failed_embeddings(database)
    assert failed.track_id == 1
    assert "its 3 attempts are spent" in (failed.reason or "")
    assert server.hits["/files/bomb.wav"] == 3
    assert sorted((await store.get_vectors([1, 2, 3])).ids.tolist()) == [2, 3]
    await store.aclose()
