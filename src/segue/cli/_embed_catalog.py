"""``segue embed --catalog [--watch]``: a worker embedding the catalog's pending tracks."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.markup import escape

from segue.catalog import embedding_counts, reconcile_audio_sources
from segue.errors import Conflict
from segue.settings import Settings, VectorBackend
from segue.vectors import open_store

from ._common import err_console, exit_on_error, open_catalog, run
from ._progress import progress_bar
from ._serve import start_metrics_listener

if TYPE_CHECKING:
    from segue.ingest.audio import CatalogEmbedReport, TrackOutcome

__all__ = ["embed_catalog_command"]


@contextmanager
def _one_worker_here(settings: Settings) -> Iterator[None]:
    """On the embedded SQLite catalog, or with the local index file, one worker at a time:
    two processes rewriting one index file would each drop the other's vectors. A lock
    file in the data dir says so at once instead."""
    if not settings.database_is_embedded and settings.vector_backend is not VectorBackend.LOCAL:
        yield
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "embed-catalog.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(
                f"another segue embed --catalog runs on {settings.data_dir}: with the embedded "
                "catalog or the local index, one worker at a time (several need PostgreSQL "
                "and a shared vector store, docs/embedding.md)"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def embed_catalog_command(
    settings: Settings, *, model_name: str, batch_size: int, watch: bool
) -> None:
    """Run one worker until no track is pending (or, with ``watch``, until stopped)."""
    from segue.atproto import DidResolver, HttpClient, XrpcClient
    from segue.ingest.audio import AudioFetcher, EmbedOptions, PdsBlobFetcher, embed_catalog
    from segue.ingest.clap import ClapEmbedder

    options = EmbedOptions(
        worker=f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}",
        model_name=model_name,
        batch_size=batch_size,
        # Every track has at least one window: twice the batch keeps the model busy while
        # the next claim downloads, and a killed worker strands few tracks.
        claim_size=2 * batch_size,
        max_attempts=settings.embed_max_attempts,
        retry_seconds=settings.embed_retry_seconds,
        lease_seconds=settings.embed_lease_seconds,
        watch=watch,
    )
    start_metrics_listener(settings)

    async def _go() -> CatalogEmbedReport:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with (
            open_catalog(settings) as database,
            open_store(settings, writing=True) as store,
        ):
            await reconcile_audio_sources(database, audio_origins=settings.audio_origin_list)
            pending = (await embedding_counts(database))["pending"]
            async with (
                AudioFetcher(
                    origins=settings.audio_origin_list,
                    max_bytes=settings.audio_max_bytes,
                    timeout_seconds=settings.audio_fetch_timeout_seconds,
                ) as fetcher,
                # segue.atproto's own client: DID documents and PDS blobs.
                HttpClient(
                    connect_timeout=settings.atproto_connect_timeout_seconds,
                    read_timeout=settings.atproto_read_timeout_seconds,
                    # the operator's PLC directory may be on loopback; no other loopback host
                    origins=[settings.plc_url],
                ) as atproto,
            ):
                resolver = DidResolver(
                    atproto, plc_url=settings.plc_url, cache_seconds=settings.did_cache_seconds
                )
                blobs = PdsBlobFetcher(
                    resolver,
                    XrpcClient(atproto),
                    max_bytes=settings.audio_max_bytes,
                    timeout_seconds=settings.audio_fetch_timeout_seconds,
                )
                with progress_bar(settings.progress_seconds) as bar:
                    task = bar.add_task(
                        "embedding catalog tracks", total=None if watch else pending
                    )

                    def on_outcome(outcome: TrackOutcome) -> None:
                        bar.advance(task)
                        if outcome.result in ("retried", "failed"):
                            word = "will retry" if outcome.result == "retried" else "failed"
                            _say(
                                f"[yellow]{word}:[/yellow] track {outcome.track_id}: "
                                f"{escape(outcome.detail)}"
                            )

                    return await embed_catalog(
                        database,
                        store,
                        fetcher=fetcher,
                        blobs=blobs,
                        load_embedder=lambda: ClapEmbedder.load(model_name),
                        options=options,
                        on_outcome=on_outcome,
                        stop=stop,
                    )

    # The lock's refusal is reported like any other error: one line, exit code 2.
    with exit_on_error(), _one_worker_here(settings):
        report = run(_go())
    _say(
        f"embedded {report.count('embedded'):,} catalog track(s) ({report.windows:,} windows), "
        f"{report.count('retried'):,} to retry later, {report.count('failed'):,} failed, "
        f"{report.count('stale'):,} changed while embedded"
    )


def _say(markup: str) -> None:
    err_console().print(markup, highlight=False, soft_wrap=True)
