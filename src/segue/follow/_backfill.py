"""``segue follow backfill``: the records that already exist, read from their PDSes.

Jetstream replays a day or two; a platform's records go back years. The backfill reads
them where they live. The accounts come from a relay's
``com.atproto.sync.listReposByCollection`` (or are given); each DID resolves to its PDS
through its DID document; the PDS gives the repo's current ``rev``
(``com.atproto.sync.getLatestCommit``) and its records (``com.atproto.repo.listRecords``,
paged). Each record is decoded as a stream event of that ``rev`` (:func:`decode`: the same
lexicon, CID and trust checks) and each page applied in one transaction, with the pages
of other repositories that waited meanwhile (:meth:`_Run.write`; :func:`apply_follow`
with ``bulk``: track records in a few set-based statements, :mod:`._apply_bulk`), under
the stream's rules: a record applied from the stream with a
newer rev is never overwritten, one at an older rev is replaced. When a collection's last
page is in, every record of that account and collection still stored at an older rev is
one the repo no longer holds: it is deleted, with a tombstone at the backfill's rev.

Where each repository and collection stands (its rev, the cursor of the next page,
whether it is done) is stored in ``follow_backfill`` in the transaction of each page, so a
killed backfill goes on exactly where it stopped (no page applied is read again),
stamping the rest with the same rev. A collection done is read whole again, at the repo's
new rev, when that rev has moved since (a gap may have hidden the commits from the
stream); otherwise it costs the one ``getLatestCommit`` of its repo. Requests to one PDS
are at most ``per_pds`` at a time; a 429 or 503 waits its ``Retry-After`` (or a backoff)
and tries again. The PDS's pagination is not trusted: a cursor already asked, or more than
``max_records_per_collection`` records, fails the repo. A short database outage is waited
out (:data:`_DATABASE_RETRIES`); a longer one ends the backfill once every worker has
stopped.

    >>> stats = await backfill(database, xrpc, resolver, BackfillOptions(dids=("did:plc:a",)))
    ...                                                  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from segue._retry import RetryPolicy
from segue.atproto import DidResolver, RecordPage, RepoPage, XrpcClient, is_did
from segue.catalog import Database, clean_handle, database_errors
from segue.catalog.tables import FollowBackfill, insert_for
from segue.errors import (
    AtprotoUnavailable,
    DatabaseUnavailable,
    InvalidInput,
    NotFound,
    RemoteError,
    SegueError,
)
from segue.metrics import FOLLOW_BACKFILL_RECORDS

from ._apply import apply_follow
from ._apply_bulk import delete_missing
from ._changes import FollowChange, FollowResult
from ._events import COLLECTIONS, TRUST, Collections, Trust, decode
from ._handles import store_handles

__all__ = ["BackfillOptions", "BackfillStats", "backfill"]

log = logging.getLogger("segue.follow")

T = TypeVar("T")
#: the result counted for a stored record the repo no longer holds
DELETED = "deleted"
_PAGE = 100  # listRecords' maximum
# Pages written in one transaction when they wait for each other: 800 records in a few
# set-based statements stay well within the database's statement timeout.
_PAGES_AT_ONCE = 8
_RELAY_PAGE = 1000
_ATTEMPTS = 6
_BACKOFF_SECONDS = 1.0
_MAX_WAIT_SECONDS = 60.0
# Repositories worked on at once (each still bounded per PDS): enough to keep several
# PDSes busy without holding thousands of coroutines.
_REPOS_AT_ONCE = 32
# Records read from one account's collection in one run, at most: far past any real
# account's (an artist with ten thousand tracks is rare), and a bound on what a PDS that
# keeps inventing records and cursors can make the catalog store.
MAX_RECORDS_PER_COLLECTION = 100_000
# A database outage of a few seconds (a restart, a failover) is waited out; a longer one
# ends the backfill with its error (run it again: it goes on where it stopped).
_DATABASE_RETRIES = RetryPolicy(attempts=4, initial=0.5, ceiling=4.0)


@dataclass(frozen=True, slots=True)
class BackfillOptions:
    """Which accounts (``dids``, or all a ``relay`` lists for the collections), and how."""

    dids: Sequence[str] = ()
    relay: str | None = None
    collections: Collections = COLLECTIONS
    per_pds: int = 4
    trust: Trust = TRUST
    max_lists_per_account: int | None = 100
    #: ``SEGUE_AUDIO_ORIGINS``: which tracks' ``audio_url`` is an audio source to embed
    audio_origins: tuple[str, ...] = ()
    #: a page's track records applied together (:mod:`._apply_bulk`); ``False``: one by
    #: one through the stream's path, in the same transaction (the bench's reference)
    bulk: bool = True
    #: records read from one account's collection in one run, at most: past it the repo
    #: fails (its PDS is taken to be inventing records)
    max_records_per_collection: int = MAX_RECORDS_PER_COLLECTION


@dataclass(slots=True)
class BackfillStats:
    """What a backfill has done so far: repositories (``repos`` of ``total``), records by
    result, and the repositories that failed (DID: why)."""

    total: int = 0
    repos: int = 0
    results: Counter[str] = field(default_factory=Counter)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return sum(n for name, n in self.results.items() if name != DELETED)

    def summary(self) -> str:
        parts = ", ".join(f"{n:,} {name}" for name, n in sorted(self.results.items()))
        failed = f"; {len(self.failed):,} failed" if self.failed else ""
        return (
            f"{self.repos:,}/{self.total:,} repositories, {self.records:,} records"
            + (f" ({parts})" if parts else "")
            + failed
        )


async def backfill(
    database: Database,
    xrpc: XrpcClient,
    resolver: DidResolver,
    options: BackfillOptions,
    *,
    on_progress: Callable[[BackfillStats], None] = lambda _stats: None,
) -> BackfillStats:
    """Read every record of the followed collections from the accounts' PDSes into the
    catalog; resumable (see the module's docstring). A repository that cannot be read
    (no DID document, no PDS, an answer that is not XRPC) is reported in ``failed`` and
    the others go on; so does one whose PDS pages without end (a cursor that comes back,
    more than ``max_records_per_collection`` records). A database outage longer than a few
    seconds ends it with :class:`DatabaseUnavailable`, once every worker has stopped."""
    dids = list(dict.fromkeys(options.dids))
    if options.relay is not None:
        dids += [d for d in await _listed(xrpc, options) if d not in set(dids)]
    bad = [d for d in dids if not is_did(d)]
    if bad:
        raise InvalidInput(f"not a DID: {bad[0]!r}")
    stats = BackfillStats(total=len(dids))
    on_progress(stats)
    run = _Run(database, xrpc, resolver, options, stats, on_progress)
    queue = iter(dids)
    try:
        # One worker's error cancels the others, and each is awaited: nothing of this
        # backfill goes on reading or writing once it has returned or raised (the caller
        # closes the HTTP client next).
        async with asyncio.TaskGroup() as workers:
            for _ in range(min(_REPOS_AT_ONCE, len(dids))):
                workers.create_task(run.worker(queue))
    except ExceptionGroup as group:
        # The workers' errors (a database outage that outlasted its retries, set on the
        # pages of every repository of its batch: the same error, several times), raised
        # as from one call; a cancellation is not grouped and passes as it is.
        first = group.exceptions[0]
        raise first from first.__cause__
    return stats


async def _listed(xrpc: XrpcClient, options: BackfillOptions) -> list[str]:
    """Every DID the relay lists for any followed collection."""
    assert options.relay is not None
    relay = options.relay
    found: dict[str, None] = {}
    for collection in options.collections.wanted:
        cursor: str | None = None
        while True:

            def read(c: str | None = cursor, col: str = collection) -> Awaitable[RepoPage]:
                return xrpc.list_repos_by_collection(relay, col, cursor=c, limit=_RELAY_PAGE)

            page = await _patiently(read)
            found.update(dict.fromkeys(page.dids))
            if page.cursor is None or not page.dids:
                break
            cursor = page.cursor
    return list(found)


async def _patiently(call: Callable[[], Awaitable[T]]) -> T:
    """``call()``, again after a 429 or 503 once its ``Retry-After`` (or a backoff that
    doubles) has passed; at most ``_ATTEMPTS`` times."""
    for attempt in range(_ATTEMPTS):
        try:
            return await call()
        except AtprotoUnavailable as exc:
            if attempt + 1 == _ATTEMPTS:
                raise
            wait = exc.retry_after if exc.retry_after is not None else _BACKOFF_SECONDS * 2**attempt
            log.info("backfill: %s; trying again in %.0f s", exc.detail, wait)
            await asyncio.sleep(min(max(wait, 0.0), _MAX_WAIT_SECONDS))
    raise AssertionError("unreachable")  # the loop returns or raises


@dataclass(eq=False)
class _Page:
    """A page's changes, what stores where its repository stands after it, and what
    became of its changes once written."""

    changes: list[FollowChange]
    save: Callable[[AsyncSession], Awaitable[None]]
    done: asyncio.Future[list[FollowResult]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class _Run:
    def __init__(
        self,
        database: Database,
        xrpc: XrpcClient,
        resolver: DidResolver,
        options: BackfillOptions,
        stats: BackfillStats,
        on_progress: Callable[[BackfillStats], None],
    ) -> None:
        self.database = database
        self.xrpc = xrpc
        self.resolver = resolver
        self.options = options
        self.stats = stats
        self.on_progress = on_progress
        self.gates: dict[str, asyncio.Semaphore] = {}
        # One write at a time from this process: batches take the catalog's lock anyway
        # (PostgreSQL), and SQLite's one writer would otherwise turn waits into "locked".
        self.writing = asyncio.Lock()
        #: pages waiting to be written (:meth:`write`)
        self.pending: list[_Page] = []

    def gate(self, pds: str) -> asyncio.Semaphore:
        """At most ``per_pds`` requests in flight to one PDS."""
        if pds not in self.gates:
            self.gates[pds] = asyncio.Semaphore(self.options.per_pds)
        return self.gates[pds]

    async def worker(self, dids: Any) -> None:
        for did in dids:
            try:
                await self.repo(did)
            except (NotFound, InvalidInput, RemoteError, AtprotoUnavailable) as exc:
                self.stats.failed[did] = exc.detail
                log.warning("backfill: %s: %s", did, exc.detail)
            self.stats.repos += 1
            self.on_progress(self.stats)

    async def retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call()`` (a database read or transaction), again after a short outage."""
        return await _DATABASE_RETRIES.call(
            call,
            on=DatabaseUnavailable,
            on_retry=lambda exc, wait: log.warning(
                "backfill: %s; retrying in %.1f s", exc.detail, wait
            ),
        )

    async def pds_call(self, pds: str, call: Callable[[], Awaitable[T]]) -> T:
        async def gated() -> T:
            async with self.gate(pds):
                return await call()

        return await _patiently(gated)

    async def repo(self, did: str) -> None:
        document = await _patiently(lambda: self.resolver.resolve(did))
        pds = document.pds
        head: list[str] = []

        async def current_rev() -> str:
            """The repo's rev now: asked once, for all its collections."""
            if not head:
                latest = await self.pds_call(pds, lambda: self.xrpc.get_latest_commit(pds, did))
                head.append(latest.rev)
            return head[0]

        for collection in self.options.collections.wanted:
            await self.collection(did, pds, collection, current_rev)
        if document.handle is not None:
            # The account is first seen here: its handle is its document's, not
            # handle.invalid (item 5 of issue 21; not verified, docs/atproto.md).
            try:
                handle = clean_handle(document.handle)
            except InvalidInput:
                return
            async with self.writing:
                await self.retrying(lambda: store_handles(self.database, {did: handle}))

    async def collection(
        self, did: str, pds: str, collection: str, current_rev: Callable[[], Awaitable[str]]
    ) -> None:
        state = await self.retrying(lambda: _state(self.database, did, collection))
        if state is None or state.done:
            rev = await current_rev()
            if state is not None and rev <= state.rev:
                return  # read whole at this rev already, and the repo has not moved since
            # Never read, or changed since it was read whole (the stream may have missed
            # the change, in a gap): read whole again at the repo's rev now. What the
            # stream applied at a newer rev stays; what is not listed any more is deleted.
            cursor = None
            async with self.writing:
                await self.retrying(
                    lambda: _save_state_now(self.database, did, collection, rev, None, done=False)
                )
        else:
            # Half read (killed): on from the cursor, at the rev it began with, so the
            # records of the pages already applied are not taken for deleted ones.
            rev, cursor = state.rev, state.cursor
        # The PDS's pagination is not trusted: a cursor that comes back, or more records
        # than any real account holds, would otherwise keep this reading (and storing)
        # for ever. The repo fails; where it stands stays stored.
        asked = set() if cursor is None else {cursor}
        listed = 0
        limit = self.options.max_records_per_collection
        while True:

            def read(c: str | None = cursor) -> Awaitable[RecordPage]:
                return self.xrpc.list_records(pds, did, collection, cursor=c, limit=_PAGE)

            page = await self.pds_call(pds, read)
            cursor = page.cursor
            last = cursor is None or not page.records
            if not last and cursor in asked:
                raise RemoteError(
                    f"{pds}: listRecords of {collection} gave a cursor already asked "
                    f"({cursor!r}): its pages would never end; stopped"
                )
            listed += len(page.records)
            if listed > limit:
                raise RemoteError(
                    f"{pds}: listRecords of {collection} went past {limit:,} records; "
                    "stopped (more than any account holds)"
                )
            if cursor is not None:
                asked.add(cursor)
            # The page and where the backfill stands after it, in one transaction: a kill
            # leaves either both or neither, so no page is applied twice nor skipped.
            await self.apply(did, collection, rev, page.records, cursor=None if last else cursor)
            if last:
                break
        await self.delete_missing(did, collection, rev)

    async def apply(
        self, did: str, collection: str, rev: str, records: Sequence[Any], *, cursor: str | None
    ) -> None:
        now_us = time.time_ns() // 1000
        events = []
        for entry in records:
            rkey = entry.uri.rsplit("/", 1)[-1]
            if entry.uri != f"at://{did}/{collection}/{rkey}":
                self._count("malformed")  # a record of another repo or collection
                continue
            message = {
                "did": did,
                "time_us": now_us,
                "kind": "commit",
                "commit": {
                    "rev": rev,
                    "operation": "create",
                    "collection": collection,
                    "rkey": rkey,
                    "record": entry.value,
                    "cid": entry.cid,
                },
            }
            events.append(decode(message, self.options.collections, self.options.trust))
        changes = [e.change for e in events if e.change is not None]

        async def save(session: AsyncSession) -> None:
            # The last page's state waits for the deletion of what was not listed.
            if cursor is not None:
                await _save_state(session, did, collection, rev, cursor, done=False)

        results = iter(await self.write(_Page(changes, save)))
        for event in events:
            if event.change is not None:
                self._count(next(results).value)
            else:
                self._count("malformed" if event.problem else FollowResult.IGNORED.value)
                if event.problem:
                    log.warning(
                        "backfill: skipped a malformed record of %s: %s", did, event.problem
                    )

    async def write(self, page: _Page) -> list[FollowResult]:
        """Apply ``page`` (and store where its repository stands); what became of each
        change. Pages that wait while another is written go together in the next
        transaction (at most ``_PAGES_AT_ONCE``): fewer round trips per record, and the
        transactions stay short, since the live stream waits for the catalog's lock."""
        self.pending.append(page)
        async with self.writing:
            while not page.done.done():
                batch = self.pending[:_PAGES_AT_ONCE]
                del self.pending[:_PAGES_AT_ONCE]
                await self._write(batch)
        return await page.done

    async def _write(self, batch: list[_Page]) -> None:
        async def then(session: AsyncSession) -> None:
            for page in batch:
                await page.save(session)

        try:
            # Rolled back whole on an outage, the batch (and where its repositories
            # stand) is simply written again.
            applied = await self.retrying(
                lambda: apply_follow(
                    self.database,
                    [change for page in batch for change in page.changes],
                    cursor=None,
                    max_lists_per_account=self.options.max_lists_per_account,
                    audio_origins=self.options.audio_origins,
                    bulk=self.options.bulk,
                    then=then,
                )
            )
        except (SegueError, sa_exc.DBAPIError) as exc:
            # Every page of the batch gets the error (an outage that outlasted the
            # retries, conflicts on every attempt): it ends the backfill (:func:`backfill`).
            for page in batch:
                page.done.set_exception(exc)
        else:
            for page in batch:
                page.done.set_result(applied[: len(page.changes)])
                del applied[: len(page.changes)]
        finally:
            # Cancelled, or an error no page can answer (it propagates from here): the
            # pages waiting on this batch must not wait for ever.
            for page in batch:
                if not page.done.done():
                    page.done.cancel()

    async def delete_missing(self, did: str, collection: str, rev: str) -> None:
        """Every record of ``did`` in ``collection`` still stored at a rev older than the
        backfill's was not listed: the repo no longer holds it. Deleted, and the
        collection marked done, in one transaction."""
        kind: Literal["track", "playlist"] = (
            "track" if collection == self.options.collections.track else "playlist"
        )
        deleted = [0]

        async def finish(session: AsyncSession) -> None:
            now_us = time.time_ns() // 1000
            # Set, not added: an attempt rolled back (and retried) deleted nothing.
            deleted[0] = await delete_missing(session, did, collection, kind, rev, now_us)
            await _save_state(session, did, collection, rev, None, done=True)

        async with self.writing:
            await self.retrying(lambda: apply_follow(self.database, [], cursor=None, then=finish))
        for _ in range(deleted[0]):
            self._count(DELETED)

    def _count(self, result: str) -> None:
        FOLLOW_BACKFILL_RECORDS.labels(result=result).inc()
        self.stats.results[result] += 1


async def _state(database: Database, did: str, collection: str) -> Any:
    async with database.reading() as conn:
        return (
            await conn.execute(
                sa.select(FollowBackfill.rev, FollowBackfill.cursor, FollowBackfill.done).where(
                    FollowBackfill.did == did, FollowBackfill.collection == collection
                )
            )
        ).first()


async def _save_state_now(
    database: Database, did: str, collection: str, rev: str, cursor: str | None, *, done: bool
) -> None:
    async with database_errors(), database.sessionmaker.begin() as session:
        await _save_state(session, did, collection, rev, cursor, done=done)


async def _save_state(
    session: AsyncSession, did: str, collection: str, rev: str, cursor: str | None, *, done: bool
) -> None:
    insert = insert_for(session)
    values = {"rev": rev, "cursor": cursor, "done": done}
    await session.execute(
        insert(FollowBackfill)
        .values(did=did, collection=collection, **values)
        .on_conflict_do_update(
            index_elements=[FollowBackfill.did, FollowBackfill.collection], set_=values
        )
    )
