"""``segue follow``: read Jetstream, apply each batch with its cursor, report progress.

The reader (:class:`Jetstream`) fills a bounded queue; this loop takes what has arrived
(up to ``batch_size`` events), decodes it, and applies the changes and the cursor in one
transaction (:func:`apply_follow`). Killed at any moment, a restart resumes
from the stored cursor, a few seconds back, and finds the replayed events applied already.

    >>> options = FollowOptions(urls=("ws://127.0.0.1:6008",), once=True)
    >>> stats = await follow(database, options)  # doctest: +SKIP
    >>> stats.applied  # doctest: +SKIP
    42
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from segue._retry import RetryPolicy
from segue.atproto import DidResolver
from segue.catalog import Database
from segue.errors import DatabaseUnavailable, Unavailable
from segue.metrics import FOLLOW_EVENTS, FOLLOW_LAG
from segue.settings import Settings

from ._apply import (
    apply_follow,
    follow_cursor,
    follow_wanted_cursor,
    record_follow_gap,
)
from ._changes import FollowResult, IdentityChange, PlaylistRecord, TrackRecord
from ._events import COLLECTIONS, TRUST, Collections, Event, Trust, decode
from ._handles import HandleLookups
from ._transport import RETENTION_US, REWIND_US, SILENCE_SECONDS, Gap, Jetstream

__all__ = ["MALFORMED", "FollowOptions", "FollowStats", "follow", "follow_options"]

log = logging.getLogger("segue.follow")

#: the ``result`` of an event whose record breaks its lexicon (never applied)
MALFORMED = "malformed"
# How often the loop wakes without events: progress, lag, the idle check of --once.
_TICK_SECONDS = 0.5
# Tombstones are dropped this long after their delete: far longer than any rewind.
_TOMBSTONE_US = 24 * 3600 * 1_000_000
_EXPIRY_EVERY_SECONDS = 60.0
# How long --once waits for handle resolutions in flight before it ends.
_SETTLE_SECONDS = 30.0
# The kinds of events of a followed collection (what a blind host stops sending).
_WANTED_KINDS = frozenset({"track", "playlist"})


@dataclass(frozen=True, slots=True)
class FollowOptions:
    """How to follow: the hosts (tried in turn), the collections, and when to stop.

    ``once``: stop when no event has arrived for ``idle_seconds``. ``start_cursor``: where
    to begin when the catalog holds no cursor yet (``None``: the live tail; 0: the oldest
    event the server keeps). ``on_gap``: awaited with each gap found (``--backfill-on-gap``
    runs the backfill there) before the stream goes on. The rest are the settings of
    docs/atproto.md (:func:`follow_options` reads them).
    """

    urls: Sequence[str]
    collections: Collections = COLLECTIONS
    once: bool = False
    idle_seconds: float = 5.0
    start_cursor: int | None = None
    batch_size: int = 500
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    rewind_us: int = REWIND_US
    silence_seconds: float = SILENCE_SECONDS
    retention_us: int = RETENTION_US
    trust: Trust = TRUST
    max_lists_per_account: int | None = 100
    waiting_us: int | None = 7 * 24 * 3600 * 1_000_000
    on_gap: Callable[[Gap], Awaitable[None]] | None = None
    #: resolves the DIDs of accounts first seen, and of identity events without a handle,
    #: to the handle of their DID document; ``None``: handles come from identity events only
    resolver: DidResolver | None = None
    #: ``SEGUE_AUDIO_ORIGINS``: which tracks' ``audio_url`` is an audio source to embed
    audio_origins: tuple[str, ...] = ()


@dataclass(slots=True)
class FollowStats:
    """What a run has done so far (``results`` counts events by result)."""

    results: Counter[str] = field(default_factory=Counter)
    cursor: int | None = None
    lag_seconds: float | None = None
    host: str | None = None
    gaps: int = 0

    @property
    def events(self) -> int:
        return sum(self.results.values())

    @property
    def applied(self) -> int:
        return self.results[FollowResult.APPLIED.value]

    def summary(self) -> str:
        """One line: events read, applied, and the rest by result."""
        rest = ", ".join(
            f"{n:,} {name}" for name, n in sorted(self.results.items()) if name != "applied"
        )
        lag = "" if self.lag_seconds is None else f"; {self.lag_seconds:,.1f} s behind"
        gaps = f"; {self.gaps:,} gap(s): run segue follow backfill" if self.gaps else ""
        return (
            f"{self.events:,} events, {self.applied:,} applied"
            + (f" ({rest})" if rest else "")
            + lag
            + gaps
        )


async def follow(
    database: Database,
    options: FollowOptions,
    *,
    on_progress: Callable[[FollowStats], None] = lambda _stats: None,
) -> FollowStats:
    """Follow the network until cancelled (or, with ``once``, until caught up)."""
    stored = await follow_cursor(database)
    start = options.start_cursor if stored is None else stored - options.rewind_us
    jetstream = Jetstream(
        options.urls,
        options.collections.wanted,
        backoff_seconds=options.backoff_seconds,
        max_backoff_seconds=options.max_backoff_seconds,
        rewind_us=options.rewind_us,
        silence_seconds=options.silence_seconds,
        retention_us=options.retention_us,
        # After a restart, leaving a blind host still resumes before the last followed
        # event applied, not at the cursor account events moved.
        wanted_since=await follow_wanted_cursor(database) if stored is not None else None,
    )
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=4 * options.batch_size)
    reader = asyncio.create_task(
        jetstream.run(queue, start, resumed=stored is not None), name="jetstream"
    )
    stats = FollowStats(cursor=stored)
    loop = _Loop(database, options, jetstream, stats)
    try:
        while True:
            if reader.done():
                reader.result()  # the reader never returns: this raises what stopped it
            try:
                # Not wait_for: in Python 3.11 it can drop a cancellation that arrives as
                # the queue answers, and the follower would not stop (_transport.py too).
                async with asyncio.timeout(_TICK_SECONDS):
                    first = await queue.get()
            except TimeoutError:
                loop.tick()
                on_progress(stats)
                if options.once and loop.caught_up():
                    await loop.settle()
                    return stats
                continue
            batch = [first]
            while len(batch) < options.batch_size and not queue.empty():
                batch.append(queue.get_nowait())
            await loop.gaps()  # a backfill (--backfill-on-gap) before the stream goes on
            await loop.apply(batch)
            on_progress(stats)
    finally:
        reader.cancel()
        if loop.handles is not None:
            await loop.handles.close()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


class _Loop:
    def __init__(
        self, database: Database, options: FollowOptions, jetstream: Jetstream, stats: FollowStats
    ) -> None:
        self.database = database
        self.options = options
        self.jetstream = jetstream
        self.stats = stats
        self.started = time.monotonic()
        self.first_connected: float | None = None
        self.last_event: float | None = None
        self.next_expiry = 0.0
        #: handle look-ups, off the stream's path and bounded
        self.handles = (
            HandleLookups(database, options.resolver) if options.resolver is not None else None
        )

    def tick(self) -> None:
        self.stats.host = self.jetstream.host
        if self.first_connected is None and self.jetstream.ever_connected:
            self.first_connected = time.monotonic()
        if self.stats.cursor is not None:
            self.stats.lag_seconds = max(time.time() - self.stats.cursor / 1e6, 0.0)
            FOLLOW_LAG.set(self.stats.lag_seconds)

    def caught_up(self) -> bool:
        """``--once``: no event for ``idle_seconds`` since the last one (or since the first
        connection). No host reachable for as long (at least 10 s) is an error."""
        now = time.monotonic()
        if self.first_connected is None:
            if now - self.started >= max(self.options.idle_seconds, 10.0):
                raise Unavailable(
                    f"no Jetstream host answered: {self.jetstream.last_error or 'no answer'}"
                )
            return False
        quiet_since = max(self.last_event or 0.0, self.first_connected)
        return now - quiet_since >= self.options.idle_seconds

    async def gaps(self) -> None:
        """Record the gaps the reader found (``segue check`` reports them) and hand each
        to ``on_gap`` before the stream goes on."""
        for gap in self.jetstream.take_gaps():
            await record_follow_gap(self.database, gap.after_us, gap.before_us)
            self.stats.gaps += 1
            if self.options.on_gap is not None:
                await self.options.on_gap(gap)

    async def apply(self, batch: list[dict[str, Any]]) -> None:
        self.last_event = time.monotonic()
        options = self.options
        events = [decode(message, options.collections, options.trust) for message in batch]
        changes = [event.change for event in events if event.change is not None]
        times = [event.time_us for event in events if event.time_us is not None]
        cursor = max(times) if times else None
        wanted = [e.time_us for e in events if e.kind in _WANTED_KINDS and e.time_us is not None]
        expire = None
        if cursor is not None and self.last_event >= self.next_expiry:
            expire = cursor - _TOMBSTONE_US
            self.next_expiry = self.last_event + _EXPIRY_EVERY_SECONDS
        results = await self._apply(changes, cursor, expire, max(wanted) if wanted else None)
        self._count(events, iter(results))
        await self._resolve_handles(changes, results)
        if cursor is not None:
            self.stats.cursor = max(cursor, self.stats.cursor or 0)
        self.tick()

    async def _apply(
        self, changes: list[Any], cursor: int | None, expire: int | None, wanted: int | None
    ) -> list[FollowResult]:
        waiting = self.options.waiting_us
        # A long-running follower outlives a database restart, and other writers that
        # kept deadlocking with the batch (DatabaseConflict, a DatabaseUnavailable): the
        # batch is retried whole (its transaction was rolled back); with --once the error
        # ends the run.
        policy = RetryPolicy(
            attempts=1 if self.options.once else None,
            initial=self.options.backoff_seconds,
            ceiling=max(self.options.backoff_seconds, self.options.max_backoff_seconds),
        )
        return await policy.call(
            lambda: apply_follow(
                self.database,
                changes,
                cursor=cursor,
                expire_tombstones_before=expire,
                expire_waiting_before=None
                if expire is None or waiting is None
                # Expired against the stream's clock (time_us), as tombstones are.
                else expire + _TOMBSTONE_US - waiting,
                max_lists_per_account=self.options.max_lists_per_account,
                wanted_cursor=wanted,
                audio_origins=self.options.audio_origins,
            ),
            on=DatabaseUnavailable,
            on_retry=lambda exc, wait: log.warning(
                "follow: %s; retrying in %.0f s", exc.detail, wait
            ),
        )

    async def _resolve_handles(self, changes: list[Any], results: list[FollowResult]) -> None:
        """Queue look-ups of the handles of accounts first seen in this batch and of
        identity events that carried none (:class:`HandleLookups`: off the stream's path,
        at most a few in flight; this waits only when very many are queued)."""
        if self.handles is None:
            return
        applied = [c for c, r in zip(changes, results, strict=True) if r is FollowResult.APPLIED]
        seen = {c.did for c in applied if isinstance(c, TrackRecord | PlaylistRecord)}
        changed = {c.did for c in applied if isinstance(c, IdentityChange) and c.handle is None}
        await self.handles.add(seen=seen, changed=changed)

    async def settle(self) -> None:
        """Let the queued handle look-ups finish (``--once`` ends with them)."""
        if self.handles is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_SETTLE_SECONDS):
                    await self.handles.settle()

    def _count(self, events: list[Event], results: Any) -> None:
        for event in events:
            if event.change is not None:
                result = next(results).value
            elif event.problem is not None:
                result = MALFORMED
                log.warning(
                    "follow: skipped a malformed %s event (time_us %s): %s",
                    event.kind,
                    event.time_us,
                    event.problem,
                )
            else:
                result = FollowResult.IGNORED.value
            FOLLOW_EVENTS.labels(kind=event.kind, result=result).inc()
            self.stats.results[result] += 1


def follow_options(settings: Settings, urls: Sequence[str], **given: Any) -> FollowOptions:
    """:class:`FollowOptions` with the settings of docs/atproto.md, and ``given`` beside."""
    return FollowOptions(
        urls=tuple(urls),
        rewind_us=int(settings.follow_rewind_seconds * 1_000_000),
        silence_seconds=settings.follow_silence_seconds,
        retention_us=int(settings.jetstream_retention_hours * 3600 * 1_000_000),
        trust=Trust(settings.hide_label_set, settings.suggest_gated),
        max_lists_per_account=settings.follow_max_lists_per_account,
        waiting_us=int(settings.follow_waiting_hours * 3600 * 1_000_000),
        audio_origins=settings.audio_origin_list,
        **given,
    )
