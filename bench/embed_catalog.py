"""`segue embed --catalog` against `segue embed PATH` on the same audio, in the same run.

N audio files (FLAC, 44.1 kHz stereo, so decoding resamples as real uploads do) are
embedded three ways with one model loaded once (its load is not timed):

- `embed PATH`: ``embed_files`` over the files on disk (what `segue embed PATH` runs);
- `--catalog`, 1 worker: the files served by a local HTTP server on 127.0.0.1, the
  tracks imported with those URLs into a fresh PostgreSQL catalog, one ``embed_catalog``
  worker (claims, leases, downloads, decode, model, vector writes, done marks);
- `--catalog`, 2 workers: two workers at once on the same catalog and store.

Models: ``tiny`` (the tests' 16-d random CLAP: the model costs nearly nothing, so the
queue's and the downloads' share is as large as it can be) and ``htsat`` (LAION CLAP's
full HTSAT-unfused architecture with random weights: the real model's compute, no
download). Medians of ``--reps`` runs. PostgreSQL: ``SEGUE_BENCH_POSTGRES_URL`` (default
the local server); a database is made for each run and dropped after.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from tests.support.audio_server import AudioServer
from transformers import ClapConfig, ClapFeatureExtractor, ClapModel

from segue.catalog import (
    CatalogIndexGeneration,
    Database,
    open_database,
    upsert_tracks,
)
from segue.ingest.audio import AudioFetcher, EmbedOptions, embed_catalog
from segue.ingest.clap import ClapEmbedder, Embedder, Manifest, embed_files
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from ._dataset import bench_database
from ._timing import machine

__all__ = ["run"]

_ADMIN = os.environ.get("SEGUE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres")
_ARTIST = {"did": "did:plc:benchbenchbenchbenchbenc", "handle": "bench.example.com"}


def _model(kind: str, folder: Path) -> ClapEmbedder:
    torch.manual_seed(0)
    if kind == "tiny":
        config = ClapConfig(
            text_config={"vocab_size": 64, "hidden_size": 16, "num_hidden_layers": 1,
                         "num_attention_heads": 2, "intermediate_size": 32,
                         "max_position_embeddings": 40},
            audio_config={"patch_embeds_hidden_size": 8, "depths": [1, 1],
                          "num_attention_heads": [1, 2], "hidden_size": 16, "window_size": 8,
                          "num_classes": 4},
            projection_dim=16,
        )  # fmt: skip
    else:  # transformers' defaults are laion/clap-htsat-unfused's architecture
        config = ClapConfig()
    ClapModel(config).save_pretrained(folder)
    ClapFeatureExtractor(truncation="rand_trunc", padding="repeatpad").save_pretrained(folder)
    return ClapEmbedder.load(str(folder))


def _audio(folder: Path, n: int, seconds: float) -> list[Path]:
    rate = 44_100
    t = np.arange(round(seconds * rate)) / rate
    files = []
    for i in range(n):
        rng = np.random.default_rng(i)
        tone = np.sin(2 * np.pi * (180 + 37 * i) * t * (1 + t / 7))
        mono = (0.3 * tone + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
        path = folder / f"track-{i:03d}.flac"
        sf.write(path, np.stack([mono, np.roll(mono, 77)], axis=1), rate)
        files.append(path)
    return files


@contextlib.asynccontextmanager
async def _fresh_database() -> AsyncIterator[Database]:
    """A new, migrated PostgreSQL catalog, dropped on the way out."""
    async with bench_database(_ADMIN) as url:
        database = open_database(Settings(database_url=url))
        try:
            yield database
        finally:
            await database.aclose()


def _loading(embedder: Embedder) -> Callable[[], Embedder]:
    """``load_embedder`` for an embedder already loaded."""
    return lambda: embedder


async def _path_run(files: list[Path], embedder: Embedder, root: Path) -> tuple[float, int]:
    store = LocalVectorStore(root / "vectors.usearch")
    # As `segue embed PATH` runs: its writes move the catalog's index generation too.
    async with _fresh_database() as database:
        started = time.perf_counter()
        report = await embed_files(
            files,
            store=store,
            generation=CatalogIndexGeneration(database),
            manifest=Manifest(root / "manifest.json"),
            tracks_path=root / "tracks.jsonl",
            model_name=embedder.name,
            load_embedder=lambda: embedder,
        )
        elapsed = time.perf_counter() - started
    await store.aclose()
    return elapsed, sum(o.windows for o in report.outcomes)


async def _catalog_run(
    files: list[Path], embedders: list[Embedder], root: Path
) -> tuple[float, int]:
    store = LocalVectorStore(root / "vectors.usearch")  # one store, shared by the workers
    try:
        with AudioServer(files[0].parent) as server:
            async with _fresh_database() as database:
                tracks = [
                {"id": i + 1, "title": f.stem, "artist_did": _ARTIST["did"], "image_url": None,
                 "audio_url": server.url(f"/files/{f.name}"), "uri": None, "cid": None}
                for i, f in enumerate(files)
            ]  # fmt: skip
                await upsert_tracks(database, [_ARTIST], tracks, audio_origins=(server.origin,))
                fetcher = AudioFetcher(origins=(server.origin,))
                started = time.perf_counter()
                reports = await asyncio.gather(*(
                embed_catalog(
                    database, store, fetcher=fetcher, blobs=None,
                    load_embedder=_loading(e),
                    options=EmbedOptions(worker=uuid.uuid4().hex[:8], model_name="bench"),
                )
                for e in embedders
            ))  # fmt: skip
                elapsed = time.perf_counter() - started
                await fetcher.aclose()
    finally:
        await store.aclose()
    embedded = sum(r.count("embedded") for r in reports)
    assert embedded == len(files), f"{embedded} of {len(files)} embedded"
    return elapsed, sum(r.windows for r in reports)


async def _run(n: int, seconds: float, reps: int, kinds: tuple[str, ...]) -> str:
    lines = [
        f"### `segue embed --catalog` vs `segue embed PATH` ({n} tracks of {seconds:g} s, "
        f"FLAC 44.1 kHz stereo; medians of {reps} runs)",
        "",
        f"Machine: {machine()}; load average at the start {os.getloadavg()[0]:.1f} "
        "(a machine shared with other work: compare rows of one run, not across runs)",
        "",
        "| model | run | tracks/s | windows/s | vs `embed PATH` |",
        "|---|---|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory(prefix="segue-bench-embed-") as tmp:
        root = Path(tmp)
        (root / "audio").mkdir()
        files = _audio(root / "audio", n, seconds)
        for kind in kinds:
            folder = root / f"model-{kind}"
            embedder = _model(kind, folder)
            times: dict[str, list[float]] = {"path": [], "1": [], "2": []}
            windows = 0
            for rep in range(reps):
                run_root = root / f"{kind}-{rep}"
                for label in times:
                    where = run_root / label
                    where.mkdir(parents=True)
                    if label == "path":
                        elapsed, windows = await _path_run(files, embedder, where)
                    else:
                        more = [ClapEmbedder.load(str(folder)) for _ in range(int(label) - 1)]
                        elapsed, _ = await _catalog_run(files, [embedder, *more], where)
                    times[label].append(elapsed)
            base = statistics.median(times["path"])
            for label, title in (("path", "`embed PATH`"), ("1", "`--catalog`, 1 worker"),
                                 ("2", "`--catalog`, 2 workers")):  # fmt: skip
                median = statistics.median(times[label])
                lines.append(
                    f"| {kind} | {title} | {n / median:.2f} | {windows / median:.1f} | "
                    f"{base / median:.2f}x |"
                )
    lines += ["", f"Load average at the end: {os.getloadavg()[0]:.1f}."]
    return "\n".join(lines)


def run(
    n: int = 12, seconds: float = 25.0, reps: int = 3, kinds: tuple[str, ...] = ("tiny", "htsat")
) -> str:
    """The Markdown table (see the module's docstring)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return asyncio.run(_run(n, seconds, reps, kinds))


if __name__ == "__main__":
    print(run())
