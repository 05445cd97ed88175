"""A watching worker outlives an outage of the vector store: the batch whose vectors could
not be written is claimed again once its lease runs out, and embedded (the turbopuffer
stand-in answers writes with 503 past the store's write patience, then recovers); on
PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
import soundfile as sf
import sqlalchemy as sa

from segue.catalog import Database, embedding_counts, upsert_tracks
from segue.catalog._models import EmbeddingState
from segue.ingest.audio import AudioFetcher, EmbedOptions, embed_catalog
from segue.ingest.clap import ClapEmbedder

from ..support.audio_server import AudioServer
from ..vectors.conftest import standin_store
from ..vectors.tpuf_standin import TurbopufferStandin
from .test_embed import RATE, signal

ARTIST = {"did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz", "handle": "alice.example.com"}


async def test_a_store_outage_does_not_stop_a_watching_worker(
    database: Database, clap_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sf.write(tmp_path / "b.wav", signal(6.0, RATE, seed=2), RATE, subtype="FLOAT")
    standin = TurbopufferStandin()
    store = standin_store(standin, write_patience=0.3)
    with AudioServer(tmp_path) as server:
        row = {"id": 1, "title": "T1", "artist_did": ARTIST["did"], "image_url": None,
               "audio_url": server.url("/files/b.wav"), "uri": None, "cid": None}  # fmt: skip
        await upsert_tracks(database, [ARTIST], [row], audio_origins=(server.origin,))
        # Every write fails, the store's own retries included, until the outage is over.
        standin.fail_next(503, times=10_000, path_suffix=store.namespace)
        model = ClapEmbedder.load(str(clap_dir))
        stop = asyncio.Event()
        options = EmbedOptions(
            worker="w", model_name="tiny", watch=True, poll_seconds=0.1,
            retry_seconds=0.2, lease_seconds=0.6,
        )  # fmt: skip
        caplog.set_level(logging.WARNING, logger="segue.ingest.audio._worker")
        async with AudioFetcher(origins=(server.origin,)) as fetcher:
            worker = asyncio.create_task(
                embed_catalog(database, store, fetcher=fetcher, blobs=None,
                              load_embedder=lambda: model, options=options, stop=stop)
            )  # fmt: skip
            async with asyncio.timeout(60):
                while True:
                    if "trying again" in caplog.text:  # the worker met the outage
                        break
                    assert not worker.done(), worker.exception()
                    await asyncio.sleep(0.1)
            standin.clear_faults()  # the store is back
            async with asyncio.timeout(60):
                while True:
                    if (await embedding_counts(database))["done"] == 1:
                        break
                    assert not worker.done(), worker.exception()
                    await asyncio.sleep(0.1)
            stop.set()
            report = await worker
    assert report.count("embedded") == 1
    assert "trying again" in caplog.text  # the outage was met, and outlived
    assert server.hits["/files/b.wav"] == 2  # claimed and downloaded again after it
    # The outage, not the track, ended the first attempt: given back uncounted, so a long
    # outage cannot spend a track's attempts and fail it.
    async with database.reading() as conn:
        attempts = await conn.scalar(sa.select(EmbeddingState.attempts))
    assert attempts == 1
    got = await store.get_vectors([1])
    assert got.ids.tolist() == [1]
    await store.aclose()
