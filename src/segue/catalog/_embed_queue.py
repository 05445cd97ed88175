"""The embedding queue: PostgreSQL (or SQLite) is the queue, no broker (docs/embedding.md).

A worker claims a batch of pending tracks with a lease: one ``UPDATE ... WHERE track_id
IN (SELECT ... FOR UPDATE SKIP LOCKED)`` on PostgreSQL, so any number of workers on any
number of machines take disjoint batches without waiting for each other. On SQLite the
same statement runs under the database's single write lock. Each claim counts an attempt,
so a track that kills its workers runs out of attempts too: a claim given ``max_attempts``
marks a due track whose attempts are spent (its last worker died holding it) ``failed``
instead of handing it out again, and a track whose worker died holding it is claimed alone,
so it takes no batch of others down with it. A worker renews the leases of what it holds
every third of ``lease_seconds``, so only a lease whose worker stopped renewing it (killed,
or hung) runs out and makes its tracks claimable again. Times come
from the database's clock on PostgreSQL, so the machines' clocks need not agree.

    >>> claims = await claim_embeddings(  # doctest: +SKIP
    ...     database, "w1", limit=16, lease_seconds=300)
    >>> await finish_embeddings(  # doctest: +SKIP
    ...     database, [(c.track_id, c.version) for c in claims], model="clap")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ._db import Database, database_errors
from ._models import EmbeddingState, Track, utc_now

__all__ = [
    "EmbeddingClaim",
    "claim_embeddings",
    "fail_embedding",
    "finish_embeddings",
    "release_embeddings",
    "renew_leases",
]

# Stored reasons are for people; a server's whole error page is not.
_REASON_MAX = 500


def _ended(now: datetime, **values: object) -> dict[str, object]:
    """The columns an ended attempt writes: ``values``, its lease given back, the time."""
    return {**values, "lease_owner": None, "lease_expires_at": None, "updated_at": now}


@dataclass(frozen=True, slots=True)
class EmbeddingClaim:
    """A pending track leased to a worker: its source, the state's version (pass it back),
    the attempt this is (1 for the first), and whether it is a suspect: its last worker died
    holding it, so it was claimed alone, and is best embedded with nothing else in flight."""

    track_id: int
    source: str
    version: int
    attempt: int
    suspect: bool = False


async def _now(session: AsyncSession) -> datetime:
    # One clock for every machine: the database's. SQLite is one machine's file anyway.
    if session.get_bind().dialect.name == "postgresql":
        value = await session.scalar(sa.select(sa.func.now()))
        assert isinstance(value, datetime)
        return value
    return utc_now()


async def claim_embeddings(
    database: Database,
    worker: str,
    *,
    limit: int,
    lease_seconds: float,
    max_attempts: int | None = None,
) -> list[EmbeddingClaim]:
    """Lease up to ``limit`` pending tracks (not deleted, due, not leased or lease run out)
    to ``worker`` for ``lease_seconds``; each claim counts one attempt. A track whose worker
    died holding it (its lease ran out, or was given back by a crashing worker) is claimed
    alone, one per claim, so the track that killed a worker is found out on its own.

    With ``max_attempts``, a due track already claimed that many times is marked ``failed``
    (with the reason) instead: a pending track whose attempts are spent is one whose worker
    stopped without settling it (killed, out of memory), and claiming it again would only
    stop the next worker the same way."""
    e = EmbeddingState
    async with database_errors(), database.sessionmaker.begin() as session:
        now = await _now(session)

        def due(*more: sa.ColumnElement[bool]) -> sa.Select[int]:
            return (
                sa.select(e.track_id)
                .join(Track, Track.id == e.track_id)
                .where(
                    e.state == "pending",
                    e.source.is_not(None),
                    sa.or_(e.next_attempt_at.is_(None), e.next_attempt_at <= now),
                    sa.or_(e.lease_expires_at.is_(None), e.lease_expires_at < now),
                    Track.deleted_at.is_(None),
                    *more,
                )
                .order_by(e.track_id)
                # Rows another worker is claiming right now are skipped, not waited for.
                .with_for_update(skip_locked=True, of=e)
            )

        if max_attempts is not None:
            await session.execute(
                sa.update(e)
                .where(e.track_id.in_(due(e.attempts >= max_attempts).scalar_subquery()))
                .values(
                    _ended(
                        now,
                        state="failed",
                        last_error=sa.func.substr(
                            sa.literal(
                                f"its {max_attempts} attempts are spent, the last ended by "
                                "its worker stopping while embedding it (killed, or out of "
                                "memory?)"
                            )
                            + sa.case((e.last_error.is_(None), ""), else_="; an earlier one: ")
                            + sa.func.coalesce(e.last_error, ""),
                            1,
                            _REASON_MAX,
                        ),
                        next_attempt_at=None,
                    )
                )
                .execution_options(synchronize_session=False)
            )

        async def lease(
            *more: sa.ColumnElement[bool], n: int, suspect: bool = False
        ) -> list[EmbeddingClaim]:
            rows = await session.execute(
                sa.update(e)
                .where(e.track_id.in_(due(*more).limit(n).scalar_subquery()))
                .values(
                    lease_owner=worker,
                    lease_expires_at=now + timedelta(seconds=lease_seconds),
                    attempts=e.attempts + 1,
                    updated_at=now,
                )
                .returning(e.track_id, e.source, e.version, e.attempts)
                .execution_options(synchronize_session=False)
            )
            return [
                EmbeddingClaim(int(r[0]), str(r[1]), int(r[2]), int(r[3]), suspect) for r in rows
            ]

        left = () if max_attempts is None else (e.attempts < max_attempts,)
        # A due track whose lease still names an owner lost its worker while held (killed,
        # or given back by a worker that crashed): it may be what killed it, so it is claimed
        # alone, and does not take a batch of others down with it again and again.
        claims = await lease(e.lease_owner.is_not(None), *left, n=1, suspect=True)
        if not claims:
            claims = await lease(*left, n=limit)
    return sorted(claims, key=lambda c: c.track_id)


async def finish_embeddings(
    database: Database, done: Sequence[tuple[int, int]], *, model: str
) -> set[int]:
    """Mark ``(track_id, version)`` pairs done by ``model`` (their vectors are written);
    a pair whose source changed meanwhile (another version) stays pending. The ids marked."""
    if not done:
        return set()
    e = EmbeddingState
    marked: set[int] = set()
    async with database_errors(), database.sessionmaker.begin() as session:
        now = await _now(session)
        for track_id, version in done:
            result = await session.execute(
                sa.update(e)
                .where(e.track_id == track_id, e.version == version)
                .values(
                    _ended(now, state="done", model=model, last_error=None, next_attempt_at=None)
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                marked.add(track_id)
    return marked


async def fail_embedding(
    database: Database,
    claim: EmbeddingClaim,
    reason: str,
    *,
    retry_in: float | None,
) -> str:
    """Record a failed attempt: ``pending`` again after ``retry_in`` seconds, or ``failed``
    for good when ``retry_in`` is ``None``; the reason is kept either way. Returns the
    state written (``"stale"`` if the source changed meanwhile: nothing written)."""
    e = EmbeddingState
    state = "failed" if retry_in is None else "pending"
    async with database_errors(), database.sessionmaker.begin() as session:
        now = await _now(session)
        result = await session.execute(
            sa.update(e)
            .where(e.track_id == claim.track_id, e.version == claim.version)
            .values(
                _ended(
                    now,
                    state=state,
                    last_error=reason[:_REASON_MAX],
                    next_attempt_at=None if retry_in is None else now + timedelta(seconds=retry_in),
                )
            )
            .execution_options(synchronize_session=False)
        )
        written = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return state if written else "stale"


async def release_embeddings(
    database: Database, worker: str, track_ids: Sequence[int], *, count_attempt: bool = False
) -> None:
    """Give back leases ``worker`` still holds: claimable at once. The attempt does not count
    (a worker stopping cleanly, or meeting an outage) unless ``count_attempt``: a worker dying
    of an error one of these tracks may have caused. Those keep their owner, like a lease
    that ran out, and are claimed one at a time (:func:`claim_embeddings`)."""
    if not track_ids:
        return
    e = EmbeddingState
    async with database_errors(), database.sessionmaker.begin() as session:
        if count_attempt:
            values: dict[str, object] = {"lease_expires_at": await _now(session)}
        else:
            values = {
                "lease_owner": None,
                "lease_expires_at": None,
                "attempts": sa.case((e.attempts > 0, e.attempts - 1), else_=0),
            }
        await session.execute(
            sa.update(e)
            .where(e.track_id.in_(list(track_ids)), e.lease_owner == worker)
            .values(values)
            .execution_options(synchronize_session=False)
        )


async def renew_leases(
    database: Database, worker: str, track_ids: Sequence[int], *, lease_seconds: float
) -> int:
    """Extend the leases ``worker`` still holds on ``track_ids`` (a worker alive and busy);
    how many it still held. A lease that ran out and was taken by another is not renewed."""
    if not track_ids:
        return 0
    e = EmbeddingState
    async with database_errors(), database.sessionmaker.begin() as session:
        now = await _now(session)
        result = await session.execute(
            sa.update(e)
            .where(e.track_id.in_(list(track_ids)), e.lease_owner == worker)
            .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
