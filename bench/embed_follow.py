"""From a followed track record to its first appearance in a suggestion.

One process runs, on a fresh PostgreSQL catalog: `segue follow`'s loop (``follow``) on a
local Jetstream (``tests/follow/standin.py``), one ``embed_catalog`` worker with
``--watch``, and the API app (in process, httpx's ASGI transport). A playlist holds one
embedded track. A track record whose ``audioUrl`` is on a trusted origin (a local HTTP
server) is published; the clock runs until the record is applied, until its vector is
written, and until ``GET /playlists/{id}/recommendations`` first lists it (polled every
50 ms). Tiny random CLAP model (the embedding itself costs milliseconds); the near-duplicate
rule is off so that a random model's near-identical vectors cannot hide the new track.
Medians of ``reps`` records.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf
import sqlalchemy as sa
from tests.follow.recording import TRACKS, Recording, track_record
from tests.follow.standin import JetstreamStandIn
from tests.support.audio_server import AudioServer

from segue.api import create_app
from segue.catalog import (
    append_track,
    create_playlist,
    create_token,
    embedding_counts,
    ensure_user,
    hashed_track_id,
    open_database,
    upgrade,
    upsert_tracks,
)
from segue.catalog.tables import Track
from segue.follow import FollowOptions, follow
from segue.ingest.audio import AudioFetcher, EmbedOptions, embed_catalog
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from ._dataset import empty_database
from ._timing import machine
from .embed_catalog import _model

__all__ = ["run"]

_ADMIN = os.environ.get("SEGUE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres")
_ALICE = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


async def _until(check: object) -> float:
    """When ``await check()`` first held (polled every 50 ms, for at most two minutes)."""
    # Polling on purpose: the state is in other tasks' database rows and HTTP answers.
    async with asyncio.timeout(120.0):
        while True:
            if await check():  # type: ignore[operator]
                return time.perf_counter()
            await asyncio.sleep(0.05)


async def _run(reps: int) -> str:
    rows: list[tuple[float, float, float]] = []
    async with empty_database(_ADMIN) as url:
        with tempfile.TemporaryDirectory(prefix="segue-bench-follow-") as tmp:
            root = Path(tmp)
            (root / "audio").mkdir()
            rate = 48_000
            for i in range(4 + reps):
                t = np.arange(6 * rate) / rate
                wave = np.sin(2 * np.pi * (220 + 55 * i) * t).astype(np.float32) * 0.3
                sf.write(root / "audio" / f"{i}.wav", wave, rate, subtype="FLOAT")
            embedder = _model("tiny", root / "model")
            with AudioServer(root / "audio") as server:
                settings = Settings(
                    database_url=url,
                    data_dir=root / "data",
                    audio_origins=server.origin,
                    near_duplicate_distance=0.0,
                    rate_limits=False,
                    cache_backend="memory",
                )
                database = open_database(settings)
                await upgrade(database)
                artist = {"did": _ALICE, "handle": "alice.example.com"}
                tracks = [
                    {"id": i + 1, "title": f"Old {i}", "artist_did": _ALICE, "image_url": None,
                     "audio_url": server.url(f"/files/{i}.wav"), "uri": None, "cid": None}
                    for i in range(4)
                ]  # fmt: skip
                await upsert_tracks(database, [artist], tracks, audio_origins=(server.origin,))
                store = LocalVectorStore(settings.index_path)
                fetcher = AudioFetcher(origins=(server.origin,))
                options = EmbedOptions(worker="bench", model_name="tiny", watch=True)
                await embed_catalog(
                    database, store, fetcher=fetcher, blobs=None,
                    load_embedder=lambda: embedder,
                    options=EmbedOptions(worker="seed", model_name="tiny"),
                )  # fmt: skip
                async with database.sessionmaker() as s:
                    await ensure_user(s, _ALICE, "alice.example.com", "Alice")
                    playlist = await create_playlist(s, _ALICE, "Bench")
                    await append_track(s, playlist.id, 1, actor_did=_ALICE)
                    token = (await create_token(s, _ALICE)).token
                stop = asyncio.Event()
                async with JetstreamStandIn() as jetstream:
                    following = asyncio.create_task(
                        follow(
                            database,
                            FollowOptions(urls=(jetstream.url,), audio_origins=(server.origin,)),
                        )
                    )
                    working = asyncio.create_task(
                        embed_catalog(
                            database, store, fetcher=fetcher, blobs=None,
                            load_embedder=lambda: embedder, options=options, stop=stop,
                        )
                    )  # fmt: skip
                    app = create_app(settings)
                    async with app.router.lifespan_context(app):
                        transport = httpx.ASGITransport(app=app)
                        async with httpx.AsyncClient(
                            transport=transport, base_url="http://segue.test"
                        ) as client:
                            recording = Recording()

                            async def connected() -> bool:
                                return bool(jetstream.subscriptions)

                            await _until(connected)
                            for rep in range(reps):
                                rkey = f"3lbbench{rep:05d}"
                                record = track_record(
                                    f"New {rep}", audioUrl=server.url(f"/files/{4 + rep}.wav")
                                )
                                event = recording.commit(_ALICE, TRACKS, rkey, "create", record)
                                new_id = hashed_track_id(f"at://{_ALICE}/{TRACKS}/{rkey}")
                                before = (await embedding_counts(database))["done"]
                                started = time.perf_counter()
                                jetstream.publish(event)

                                async def applied(new_id: int = new_id) -> bool:
                                    async with database.reading() as conn:
                                        found = await conn.scalar(
                                            sa.select(Track.id).where(Track.id == new_id)
                                        )
                                        return found is not None

                                async def embedded(before: int = before) -> bool:
                                    return (await embedding_counts(database))["done"] > before

                                async def suggested(new_id: int = new_id) -> bool:
                                    r = await client.get(
                                        f"/playlists/{playlist.id}/recommendations?limit=10",
                                        headers={"authorization": f"Bearer {token}"},
                                    )
                                    return new_id in {t["id"] for t in r.json().get("tracks", [])}

                                t_applied = await _until(applied)
                                t_embedded = await _until(embedded)
                                t_suggested = await _until(suggested)
                                rows.append(
                                    (
                                        t_applied - started,
                                        t_embedded - started,
                                        t_suggested - started,
                                    )
                                )
                    stop.set()
                    following.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await following
                    await working
                await fetcher.aclose()
                await store.aclose()
                await database.aclose()
    med = [statistics.median(r[i] for r in rows) for i in range(3)]
    return "\n".join(
        [
            f"### From a followed track record to a suggestion (median of {reps}, tiny model)",
            "",
            f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f}",
            "",
            "| record published -> | seconds |",
            "|---|---:|",
            f"| applied to the catalog (`segue follow`) | {med[0]:.2f} |",
            f"| vector written (`segue embed --catalog --watch`) | {med[1]:.2f} |",
            f"| first listed by `GET /playlists/{{id}}/recommendations` | {med[2]:.2f} |",
        ]
    )


def run(reps: int = 5) -> str:
    """The Markdown table (see the module's docstring)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return asyncio.run(_run(reps))


if __name__ == "__main__":
    print(run())
