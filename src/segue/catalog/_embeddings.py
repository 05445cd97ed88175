"""Embedding state: which tracks' audio still needs a vector (docs/embedding.md).

A track's *audio source* is its PDS blob (``audio_blob_did`` + ``audio_blob_cid``, the
canonical audio of a followed record) or else its ``audio_url`` when that URL's origin is
in ``SEGUE_AUDIO_ORIGINS``; anything else is no source at all. :func:`note_audio_sources`
is the one rule every writer of tracks calls in its own transaction (imports, ``segue
follow``): a new or changed source makes the track ``pending``; a vector imported with
``segue import vectors`` makes it ``done`` (:func:`mark_vectors_imported`).

    >>> async with database.sessionmaker.begin() as session:  # doctest: +SKIP
    ...     await note_audio_sources(session, [42], audio_origins=settings.audio_origin_list)
    >>> await embedding_counts(database)  # doctest: +SKIP
    {'pending': 1, 'done': 0, 'failed': 0}
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ._bulk import chunks
from ._db import Database, database_errors
from ._models import EmbeddingState, Track, utc_now
from ._track_uris import insert_for

__all__ = [
    "BLOB_PREFIX",
    "EMBEDDING_STATES",
    "FailedEmbedding",
    "audio_source",
    "embedding_counts",
    "failed_embeddings",
    "mark_vectors_imported",
    "note_audio_sources",
    "reconcile_audio_sources",
    "url_origin",
]

#: every state, in the order ``segue check`` reports them
EMBEDDING_STATES: Final = ("pending", "done", "failed")
#: how a PDS blob source is written: ``blob:DID/CID`` (neither holds a ``/``)
BLOB_PREFIX: Final = "blob:"
# Rows read per batch when every track is compared with its state (reconcile).
_SCAN_BATCH = 10_000


@dataclass(frozen=True, slots=True)
class FailedEmbedding:
    """A track whose audio could not be embedded: after how many attempts, and why."""

    track_id: int
    source: str | None
    attempts: int
    reason: str | None


def url_origin(url: str) -> str | None:
    """``scheme://host[:port]`` of ``url``, lower-cased as ``SEGUE_AUDIO_ORIGINS`` is; ``None``
    for anything but a plain http(s) URL (credentials in it count as no origin).

    >>> url_origin("https://CDN.example.com/a/b.mp3?x=1")
    'https://cdn.example.com'
    >>> url_origin("https://user@cdn.example.com/a.mp3") is None
    True
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # an invalid port or IPv6 literal: no origin
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def audio_source(
    audio_url: str | None,
    blob_did: str | None,
    blob_cid: str | None,
    audio_origins: Collection[str],
) -> str | None:
    """The track's audio source as the state records it: ``blob:DID/CID`` for a PDS blob
    (preferred: it is the record's canonical audio), the URL itself when its origin is
    trusted, else ``None``.

    >>> audio_source("https://cdn.example.com/a.mp3", None, None, ["https://cdn.example.com"])
    'https://cdn.example.com/a.mp3'
    >>> audio_source("https://elsewhere.example/a.mp3", None, None, ["https://cdn.example.com"])
    >>> audio_source(None, "did:plc:abc", "bafkrei123", [])
    'blob:did:plc:abc/bafkrei123'
    """
    if blob_did and blob_cid:
        return f"{BLOB_PREFIX}{blob_did}/{blob_cid}"
    if audio_url and url_origin(audio_url) in audio_origins:
        return audio_url
    return None


async def note_audio_sources(
    session: AsyncSession, track_ids: Sequence[int], *, audio_origins: Collection[str]
) -> int:
    """After writing ``track_ids``, make their embedding state follow their audio source, in
    the caller's transaction; how many states changed.

    Reads each track's stored audio columns (so whichever columns a writer gave, the rule
    sees the whole track): a new or changed source makes it ``pending`` (attempts reset,
    any lease dropped, ``version`` moved so a worker embedding the old source cannot mark
    it done); an unchanged source changes nothing. A track whose vector was imported
    keeps ``done`` when a source first appears. A track with no source loses a
    ``pending`` or ``failed`` state (nothing to embed); a ``done`` one keeps its vector.
    """
    e = EmbeddingState
    changed = 0
    for chunk in chunks(sorted(set(track_ids))):
        # The state is read with the track, so unchanged tracks (a repeated import) cost
        # no write at all; the upsert's own WHERE still guards against a concurrent writer.
        rows = await session.execute(
            sa.select(
                Track.id, Track.audio_url, Track.audio_blob_did, Track.audio_blob_cid, e.source,
                e.state,
            )
            .outerjoin(e, e.track_id == Track.id)
            .where(Track.id.in_(chunk))
        )  # fmt: skip
        sources: dict[int, str] = {}
        without: list[int] = []
        for track_id, url, did, cid, source, state in rows:
            key = audio_source(url, did, cid, audio_origins)
            if key is None and state in ("pending", "failed"):
                without.append(track_id)
            elif key is not None and key != source:
                sources[track_id] = key
        if without:
            await session.execute(sa.delete(e).where(e.track_id.in_(without), e.state != "done"))
        if sources:
            await session.execute(
                _source_upsert(session),
                [{"track_id": tid, "source": src} for tid, src in sources.items()],
            )
        changed += len(without) + len(sources)
    return changed


def _source_upsert(session: AsyncSession) -> Any:
    e = EmbeddingState
    stmt = insert_for(session)(e).values(
        track_id=sa.bindparam("track_id"),
        source=sa.bindparam("source"),
        state="pending",
        version=0,
        attempts=0,
    )
    new = stmt.excluded
    # A vector imported by id (no model, no source yet) stays done when the track's record
    # brings its source: the platform computed it from that audio.
    imported = sa.and_(e.state == "done", e.model.is_(None), e.source.is_(None))
    return stmt.on_conflict_do_update(
        index_elements=[e.track_id],
        set_={
            "source": new.source,
            "state": sa.case((imported, "done"), else_="pending"),
            "version": e.version + 1,
            "attempts": sa.case((imported, e.attempts), else_=0),
            "last_error": sa.case((imported, e.last_error), else_=sa.null()),
            "next_attempt_at": None,
            "lease_owner": None,
            "lease_expires_at": None,
            "updated_at": utc_now(),
        },
        where=e.source.is_distinct_from(new.source),
    )


async def mark_vectors_imported(database: Database, track_ids: Sequence[int]) -> None:
    """Record that ``track_ids`` have vectors from ``segue import vectors``: ``done``, with
    no model (an embedding made elsewhere); their source, if any, is kept."""
    if not len(track_ids):
        return
    e = EmbeddingState
    async with database_errors(), database.sessionmaker.begin() as session:
        stmt = insert_for(session)(e).values(
            track_id=sa.bindparam("track_id"), state="done", version=0, attempts=0
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[e.track_id],
            set_={
                "state": "done",
                "model": None,
                "version": e.version + 1,
                "attempts": 0,
                "last_error": None,
                "next_attempt_at": None,
                "lease_owner": None,
                "lease_expires_at": None,
                "updated_at": utc_now(),
            },
        )
        for chunk in chunks(sorted({int(i) for i in track_ids})):
            await session.execute(stmt, [{"track_id": tid} for tid in chunk])


async def embedding_counts(database: Database) -> dict[str, int]:
    """Tracks (not deleted) by embedding state; every state is present, zero or not."""
    stmt = (
        sa.select(EmbeddingState.state, sa.func.count())
        .join(Track, Track.id == EmbeddingState.track_id)
        .where(Track.deleted_at.is_(None))
        .group_by(EmbeddingState.state)
    )
    async with database.reading() as conn:
        rows = (await conn.execute(stmt)).all()
    counts = dict.fromkeys(EMBEDDING_STATES, 0)
    counts.update({str(state): int(n) for state, n in rows})
    return counts


async def failed_embeddings(
    database: Database, *, limit: int | None = None
) -> list[FailedEmbedding]:
    """The failed tracks (not deleted) with their last reason, by track id."""
    stmt = (
        sa.select(
            EmbeddingState.track_id,
            EmbeddingState.source,
            EmbeddingState.attempts,
            EmbeddingState.last_error,
        )
        .join(Track, Track.id == EmbeddingState.track_id)
        .where(EmbeddingState.state == "failed", Track.deleted_at.is_(None))
        .order_by(EmbeddingState.track_id)
        .limit(limit)
    )
    async with database.reading() as conn:
        rows = (await conn.execute(stmt)).all()
    return [FailedEmbedding(int(r[0]), r[1], int(r[2]), r[3]) for r in rows]


async def reconcile_audio_sources(database: Database, *, audio_origins: Collection[str]) -> int:
    """Bring every track's state in line with its source as the settings now say (tracks
    written before this catalog kept states, or ``SEGUE_AUDIO_ORIGINS`` changed since); how
    many states changed. One scan of the tracks; writes only where they differ."""
    e = EmbeddingState
    stmt = (
        sa.select(
            Track.id, Track.audio_url, Track.audio_blob_did, Track.audio_blob_cid, e.source, e.state
        )
        .outerjoin(e, e.track_id == Track.id)
        .where(Track.deleted_at.is_(None))
        .order_by(Track.id)
    )
    stale: list[int] = []
    async with database_errors(), database.engine.connect() as conn:
        result = await conn.stream(stmt.execution_options(yield_per=_SCAN_BATCH))
        async for track_id, url, did, cid, source, state in result:
            key = audio_source(url, did, cid, audio_origins)
            if key != source and not (key is None and state in (None, "done")):
                stale.append(int(track_id))
    changed = 0
    for chunk in chunks(stale):
        async with database_errors(), database.sessionmaker.begin() as session:
            changed += await note_audio_sources(session, chunk, audio_origins=audio_origins)
    return changed
