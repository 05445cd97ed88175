"""``embed_files``: decode, window, embed, pool and write each file's vector."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from segue.engine import FloatMatrix
from segue.errors import DimensionMismatch, UnreadableAudio
from segue.vectors import IndexGeneration, VectorStore, write_vectors

from ._audio import decode_audio, split_windows
from ._batch import Embedder, WindowQueue, pool_windows
from ._manifest import (
    FileStamp,
    Manifest,
    ManifestEntry,
    file_stamp,
    sha256_file,
    write_tracks_jsonl,
)
from ._outcomes import Outcomes

__all__ = [
    "EmbedReport",
    "Embedder",
    "FileOutcome",
    "FileResult",
    "embed_files",
    "load_checked",
    "pool_windows",
]

#: what became of a file
FileResult = Literal["embedded", "unchanged", "failed"]


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: Path
    result: FileResult
    track_id: int | None = None
    windows: int = 0
    detail: str = ""


@dataclass(slots=True)
class EmbedReport(Outcomes[FileOutcome, FileResult]):
    #: rows in the tracks JSONL sidecar after the run
    tracks_written: int = 0
    #: vectors written that the store lacked or held differently (what moved the index
    #: generation; a file embedded again to the same vector does not count)
    vectors_changed: int = 0


@dataclass(slots=True)
class _Job:
    path: Path
    stamp: FileStamp
    sha256: str
    track_id: int
    title: str
    artist: str | None
    windows: int


async def embed_files(
    files: Sequence[Path],
    *,
    store: VectorStore,
    generation: IndexGeneration,
    manifest: Manifest,
    tracks_path: Path,
    model_name: str,
    load_embedder: Callable[[], Embedder],
    batch_size: int = 8,
    min_tail_seconds: float = 1.0,
    flush_every: int = 64,
    flush_seconds: float = 300.0,
    on_outcome: Callable[[FileOutcome], None] | None = None,
) -> EmbedReport:
    """Embed audio files into ``store``: decode, cut into windows, embed, mean-pool, normalise.

    Files whose manifest entry matches (same size and mtime, or same SHA-256; same model;
    vector still in the store) are skipped, and the model is loaded only if some file
    needs it. Windows of several files share one model call of up to ``batch_size``
    windows. Unreadable files are reported (result ``failed``) and skipped. Every
    ``flush_every`` files or ``flush_seconds`` the vectors are upserted and the manifest
    saved, so an interrupted run keeps what it finished; each write that changes a vector
    moves ``generation`` (the catalog's index generation), so cached rankings computed
    without those vectors stop being served, even if the run then fails. At the end the
    tracks JSONL sidecar is rewritten from the manifest.

        >>> report = await embed_files(  # doctest: +SKIP
        ...     files, store=store, generation=CatalogIndexGeneration(database),
        ...     manifest=Manifest.load(settings.embed_manifest_path),
        ...     tracks_path=settings.embedded_tracks_path, model_name=settings.clap_model,
        ...     load_embedder=lambda: ClapEmbedder.load(settings.clap_model))
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    report = EmbedReport()

    def emit(outcome: FileOutcome) -> None:
        report.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    # One round trip tells which recorded tracks still have a vector (the index may have
    # been deleted or rebuilt since): those missing are embedded again.
    recorded = sorted({e.id for e in manifest.entries() if e.model == model_name})
    present = set((await store.get_vectors(recorded)).ids.tolist()) if recorded else set()

    embedder: Embedder | None = None
    queue: WindowQueue[Path] | None = None
    jobs: dict[Path, _Job] = {}
    finished: list[tuple[_Job, FloatMatrix]] = []
    last_flush = time.monotonic()

    async def flush() -> None:
        nonlocal last_flush
        last_flush = time.monotonic()
        if finished:
            vectors = np.stack([vector for _, vector in finished])
            ids = [job.track_id for job, _ in finished]
            report.vectors_changed += await write_vectors(
                store, ids, vectors, generation=generation
            )
            for job, _ in finished:
                manifest.set(job.path, _entry(job, model_name))
            finished.clear()
        manifest.save()

    def collect(done: list[tuple[Path, FloatMatrix]]) -> None:
        for path, vector in done:
            job = jobs.pop(path)
            finished.append((job, vector))
            emit(FileOutcome(job.path, "embedded", job.track_id, job.windows))

    for path in files:
        try:
            stamp = file_stamp(path)
            entry = manifest.get(path)
            current = entry is not None and entry.model == model_name and entry.id in present
            if entry is not None and current and entry.stamp == stamp:
                emit(FileOutcome(path, "unchanged", entry.id))
                continue
            sha = sha256_file(path)
        # The file vanished or may not be read: that file fails, the run goes on.
        except OSError as exc:
            emit(FileOutcome(path, "failed", detail=f"cannot read {path}: {exc}"))
            continue
        if entry is not None and current and entry.sha256 == sha:
            manifest.set(path, replace(entry, size=stamp.size, mtime_ns=stamp.mtime_ns))
            emit(FileOutcome(path, "unchanged", entry.id))
            continue
        if embedder is None:
            embedder = await load_checked(load_embedder, store)
            queue = WindowQueue(embedder, batch_size)
        assert queue is not None
        try:
            audio = decode_audio(path, embedder.sample_rate)
        except UnreadableAudio as exc:
            emit(FileOutcome(path, "failed", detail=exc.detail))
            continue
        windows = split_windows(
            audio.samples,
            embedder.window_samples,
            min_tail=max(1, round(min_tail_seconds * embedder.sample_rate)),
        )
        job = _Job(
            path=path,
            stamp=stamp,
            sha256=sha,
            track_id=manifest.assign_id(path, sha),
            title=audio.title or path.stem,
            artist=audio.artist,
            windows=len(windows),
        )
        jobs[path] = job
        queue.add(path, windows)
        while queue.full:
            collect(queue.run_batch())
        if len(finished) >= flush_every or time.monotonic() - last_flush >= flush_seconds:
            await flush()
    if queue is not None:
        collect(queue.drain())
    await flush()
    report.tracks_written = write_tracks_jsonl(tracks_path, manifest.entries())
    return report


async def load_checked(load_embedder: Callable[[], Embedder], store: VectorStore) -> Embedder:
    """The model, refused (:class:`DimensionMismatch`) when the store holds vectors of
    another dimension than it makes."""
    embedder = load_embedder()
    dim = await store.dimension()
    if dim is not None and dim != embedder.dimension:
        raise DimensionMismatch(
            f"the model {embedder.name!r} makes {embedder.dimension}-d vectors but the store "
            f"holds {dim}-d ones; use another data dir or vector store for this model"
        )
    return embedder


def _entry(job: _Job, model_name: str) -> ManifestEntry:
    return ManifestEntry(
        id=job.track_id,
        size=job.stamp.size,
        mtime_ns=job.stamp.mtime_ns,
        sha256=job.sha256,
        model=model_name,
        title=job.title,
        artist=job.artist,
    )
