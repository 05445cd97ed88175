"""``embed_catalog``: the ``segue embed --catalog`` worker loop.

Claim a batch of pending tracks (a lease), download their audio (URL or PDS blob) while
the previous batch is embedded, decode (its first ``MAX_SECONDS``) and cut it into windows
exactly as ``segue embed PATH`` does, embed windows of several tracks per model call
(:class:`WindowQueue`), write the vectors through the import path, then mark the tracks
done. A track that fails is retried later with backoff, or failed for good with its reason;
it never stops the others. A track that stops its worker (killed, out of memory) is not
handed out again once its attempts are spent: it is failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, Protocol

import numpy as np

from segue._retry import RetryPolicy
from segue.catalog import (
    BLOB_PREFIX,
    CatalogIndexGeneration,
    Database,
    EmbeddingClaim,
    claim_embeddings,
    embedding_counts,
    fail_embedding,
    finish_embeddings,
    release_embeddings,
    renew_leases,
)
from segue.engine import FloatMatrix
from segue.errors import (
    AudioRefused,
    AudioUnavailable,
    DatabaseUnavailable,
    UnreadableAudio,
    VectorStoreUnavailable,
)
from segue.metrics import EMBED_COUNTERS, EMBED_PENDING, EMBED_SECONDS, EMBED_TRACKS, start_at_zero
from segue.vectors import VectorStore

from .._vector_checks import VectorFile
from .._vectors import import_vectors
from ..clap import Embedder, Outcomes, WindowQueue, decode_audio, load_checked, split_windows
from ._fetch import AudioFetcher

__all__ = [
    "BlobFetcher",
    "CatalogEmbedReport",
    "EmbedOptions",
    "EmbedResult",
    "TrackOutcome",
    "backoff",
    "embed_catalog",
]

#: what became of a claimed track: the values of ``segue_embed_tracks_total{result}``
EmbedResult = Literal["embedded", "retried", "failed", "stale"]
Result = EmbedResult
# The longest wait between attempts, whatever the attempt count or Retry-After says.
_MAX_BACKOFF: Final = 3600.0
# The longest wait of a watching worker before it asks an unavailable catalog or store again.
_MAX_OUTAGE_WAIT: Final = 60.0

log = logging.getLogger(__name__)


class BlobFetcher(Protocol):
    """Downloads a PDS blob (``com.atproto.sync.getBlob`` on the account's PDS)."""

    async def fetch_blob(self, did: str, cid: str, dest: Path) -> int: ...


@dataclass(frozen=True, slots=True)
class EmbedOptions:
    """How a worker runs (``SEGUE_EMBED_*`` settings and the command's options)."""

    worker: str
    model_name: str
    batch_size: int = 8
    claim_size: int = 16
    max_attempts: int = 5
    retry_seconds: float = 30.0
    lease_seconds: float = 300.0
    watch: bool = False
    poll_seconds: float = 2.0
    min_tail_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class TrackOutcome:
    track_id: int
    result: Result
    windows: int = 0
    detail: str = ""


@dataclass(slots=True)
class CatalogEmbedReport(Outcomes[TrackOutcome, EmbedResult]):
    windows: int = 0


@dataclass(slots=True)
class _Fetched:
    claim: EmbeddingClaim
    started: float
    windows: list[FloatMatrix] | None = None
    count: int = 0
    error: AudioRefused | AudioUnavailable | UnreadableAudio | None = None


def backoff(attempt: int, base: float, retry_after: float | None = None) -> float:
    """Seconds before attempt ``attempt + 1``: Segue's one retry policy (``base`` doubled
    per attempt made, half of it random, at most an hour), and at least the server's
    ``Retry-After`` (also capped at an hour).

    >>> 30.0 <= backoff(2, 30.0) <= 60.0
    True
    >>> backoff(1, 30.0, retry_after=90.0)
    90.0
    """
    policy = RetryPolicy(attempts=None, initial=base, ceiling=max(base, _MAX_BACKOFF))
    return min(max(policy.delay(max(attempt - 1, 0)), retry_after or 0.0), _MAX_BACKOFF)


async def embed_catalog(
    database: Database,
    store: VectorStore,
    *,
    fetcher: AudioFetcher,
    blobs: BlobFetcher | None,
    load_embedder: Callable[[], Embedder],
    options: EmbedOptions,
    on_outcome: Callable[[TrackOutcome], None] | None = None,
    stop: asyncio.Event | None = None,
) -> CatalogEmbedReport:
    """Embed pending catalog tracks until none is left (or, with ``options.watch``, until
    ``stop`` is set). See the module's docstring."""
    report = CatalogEmbedReport()
    stop = stop or asyncio.Event()
    start_at_zero(EMBED_COUNTERS)  # every known label exported before its first event
    generation = CatalogIndexGeneration(database)
    embedder: Embedder | None = None
    queue: WindowQueue[int] | None = None
    held: set[int] = set()  # leased and not yet finished: given back if the worker stops

    def emit(outcome: TrackOutcome) -> None:
        report.outcomes.append(outcome)
        EMBED_TRACKS.labels(result=outcome.result).inc()
        if on_outcome is not None:
            on_outcome(outcome)

    async def claim_and_fetch(work: Path) -> list[_Fetched]:
        claims = await claim_embeddings(
            database,
            options.worker,
            limit=options.claim_size,
            lease_seconds=options.lease_seconds,
            # A track whose attempts are spent while still pending killed its workers.
            max_attempts=options.max_attempts,
        )
        held.update(c.track_id for c in claims)
        if claims and embedder is None:
            return [_Fetched(c, time.monotonic()) for c in claims]  # decoded once loaded
        return list(await asyncio.gather(*(fetch_one(c, work) for c in claims)))

    async def fetch_one(claim: EmbeddingClaim, work: Path) -> _Fetched:
        assert embedder is not None
        got = _Fetched(claim, time.monotonic())
        dest = work / f"{claim.track_id}.{claim.version}.audio"
        try:
            if claim.source.startswith(BLOB_PREFIX):
                if blobs is None:
                    raise AudioUnavailable("PDS blobs cannot be fetched by this worker")
                did, _, cid = claim.source[len(BLOB_PREFIX) :].rpartition("/")
                await blobs.fetch_blob(did, cid, dest)
            else:
                await fetcher.fetch(claim.source, dest)
            audio = await asyncio.to_thread(decode_audio, dest, embedder.sample_rate)
            got.windows = split_windows(
                audio.samples,
                embedder.window_samples,
                min_tail=max(1, round(options.min_tail_seconds * embedder.sample_rate)),
            )
            got.count = len(got.windows)
        except (AudioRefused, AudioUnavailable, UnreadableAudio) as exc:
            got.error = exc  # this track, not the run, failed
        finally:
            dest.unlink(missing_ok=True)
        return got

    async def settle_failure(got: _Fetched) -> None:
        error = got.error
        assert error is not None
        claim = got.claim
        retry_in: float | None = None
        if isinstance(error, AudioUnavailable) and claim.attempt < options.max_attempts:
            retry_in = backoff(claim.attempt, options.retry_seconds, error.retry_after)
        state = await fail_embedding(database, claim, error.detail, retry_in=retry_in)
        held.discard(claim.track_id)
        result: Result = "stale" if state == "stale" else "retried" if retry_in else "failed"
        emit(TrackOutcome(claim.track_id, result, detail=error.detail))

    async def embed_batch(batch: list[_Fetched]) -> None:
        assert queue is not None
        ok = [got for got in batch if got.error is None]
        for got in batch:
            if got.error is not None:
                await settle_failure(got)
        if not ok:
            return
        for got in ok:
            assert got.windows is not None
            queue.add(got.claim.track_id, got.windows)
            got.windows = None  # the queue holds them now; memory goes with the batch
        windows_before = queue.windows
        # The model runs in a thread: the next batch's downloads go on meanwhile.
        finished = await asyncio.to_thread(queue.drain)
        report.windows += queue.windows - windows_before
        by_id = {got.claim.track_id: got for got in ok}
        ids = np.array([tid for tid, _ in finished], np.int64)
        vectors = np.stack([vector for _, vector in finished])
        # The import path: checked like any imported vector, written all or nothing, and
        # the index generation moved when a vector changed (cached rankings are redone).
        await import_vectors(
            store, VectorFile(ids, vectors), generation=generation, source="segue embed --catalog"
        )
        marked = await finish_embeddings(
            database,
            [(tid, by_id[tid].claim.version) for tid in ids.tolist()],
            model=options.model_name,
        )
        now = time.monotonic()
        for tid, _ in finished:
            held.discard(tid)
            got = by_id[tid]
            EMBED_SECONDS.observe(now - got.started)
            # A source changed while it was embedded: the new one is pending, this is stale.
            emit(TrackOutcome(tid, "embedded" if tid in marked else "stale", got.count))

    async def keep_leases() -> None:
        # A busy worker (a slow download, a long model call) keeps what it holds; only
        # a worker that stopped renewing (killed, hung) loses its tracks to another.
        while True:
            await asyncio.sleep(options.lease_seconds / 3)
            try:
                await renew_leases(
                    database, options.worker, sorted(held), lease_seconds=options.lease_seconds
                )
            # A catalog that does not answer now may at the next renewal; the main loop
            # meets the outage itself.
            except DatabaseUnavailable as exc:
                log.warning("embed --catalog: cannot renew leases: %s", exc.detail)

    with tempfile.TemporaryDirectory(prefix="segue-embed-") as tmp:
        work = Path(tmp)
        pending: asyncio.Task[list[_Fetched]] | None = None
        renewing = asyncio.create_task(keep_leases())
        # Whether the worker is dying of an error that is neither a stop nor an outage (a
        # bug, MemoryError): then what it held keeps the attempt, since one of those tracks
        # may be the cause, and a track that keeps killing workers runs out of attempts.
        # True until the loop ends or a known stop or outage ends it: no catch-all needed.
        crashed = True
        try:
            outages = 0
            while not stop.is_set():
                try:
                    batch = await (pending or claim_and_fetch(work))
                    pending = None
                    if not batch:
                        await _note_pending(database)
                        if not options.watch:
                            break
                        await _pause(stop, options.poll_seconds)
                        continue
                    if embedder is None:
                        embedder = await load_checked(load_embedder, store)
                        queue = WindowQueue(embedder, options.batch_size)
                        batch = list(
                            await asyncio.gather(*(fetch_one(g.claim, work) for g in batch))
                        )
                    # Claim and download the next batch while this one is embedded; not
                    # beside a suspect (its last worker died holding it): if it kills this
                    # worker too, no other track spends an attempt with it.
                    if not any(got.claim.suspect for got in batch):
                        pending = asyncio.create_task(claim_and_fetch(work))
                    await embed_batch(batch)
                    await _note_pending(database)
                    outages = 0
                # The catalog or the store cannot answer: a run that drains the queue stops
                # (exit 2, try later); a watching worker outlives the outage. What it held
                # is dropped: the leases run out and the tracks are claimed again.
                except (DatabaseUnavailable, VectorStoreUnavailable) as exc:
                    if not options.watch:
                        raise
                    if pending is not None:
                        pending.cancel()
                        await asyncio.gather(pending, return_exceptions=True)
                        pending = None
                    # The outage, not the tracks, ended these attempts: given back uncounted
                    # when the catalog answers (a long store outage would otherwise spend
                    # their attempts and fail them), else their leases run out.
                    try:
                        await release_embeddings(database, options.worker, sorted(held))
                    except DatabaseUnavailable as gone:
                        log.warning("embed --catalog: cannot give leases back: %s", gone.detail)
                    held.clear()
                    wait = RetryPolicy(
                        attempts=None,
                        initial=min(options.retry_seconds, _MAX_OUTAGE_WAIT),
                        ceiling=_MAX_OUTAGE_WAIT,
                    ).delay(outages)
                    outages += 1
                    log.warning("embed --catalog: %s; trying again in %.0f s", exc.detail, wait)
                    await _pause(stop, wait)
            crashed = False
        except (
            DatabaseUnavailable,
            VectorStoreUnavailable,
            asyncio.CancelledError,
            KeyboardInterrupt,
        ):
            crashed = False
            raise
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)
            if pending is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    if not pending.done():
                        pending.cancel()
                    await asyncio.gather(pending, return_exceptions=True)
            if held:
                # A clean stop gives its leases back uncounted, a crash counted (the tracks
                # become suspects, claimed alone); a killed worker's run out instead.
                await release_embeddings(
                    database, options.worker, sorted(held), count_attempt=crashed
                )
    return report


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less if the worker is told to stop."""
    # asyncio.timeout, not wait_for (which can drop a cancellation in Python 3.11).
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()


async def _note_pending(database: Database) -> None:
    counts = await embedding_counts(database)
    EMBED_PENDING.set(counts["pending"])
