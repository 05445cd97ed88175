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
stamping the rest with the same rev. Requests to one PDS are at
most ``per_pds`` at a time; a 429 or 503 waits its ``Retry-After`` (or a backoff) and tries
again.

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

from segue.atproto import DidResolver, RecordPage, RepoPage, XrpcClient, is_did
from segue.catalog import Database, clean_handle, database_errors
from segue.catalog.tables import FollowBackfill, insert_for
from segue.errors import AtprotoUnavailable, InvalidInput, NotFound, RemoteError, SegueError
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
    the others go on."""
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
    await asyncio.gather(*(run.worker(queue) for _ in range(min(_REPOS_AT_ONCE, len(dids)))))
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

    async def pds_call(self, pds: str, call: Callable[[], Awaitable[T]]) -> T:
        async def gated() -> T:
            async with self.gate(pds):
                return await call()

        return await _patiently(gated)

    async def repo(self, did: str) -> None:
        document = await _patiently(lambda: self.resolver.resolve(did))
        pds = document.pds
        for collection in self.options.collections.wanted:
            await self.collection(did, pds, collection)
        if document.handle is not None:
            # The account is first seen here: its handle is its document's, not
            # handle.invalid (item 5 of issue 21; not verified, docs/atproto.md).
            try:
                handle = clean_handle(document.handle)
            except InvalidInput:
                return
            async with self.writing:
                await store_handles(self.database, {did: handle})

    async def collection(self, did: str, pds: str, collection: str) -> None:
        state = await _state(self.database, did, collection)
        if state is not None and state.done:
            return
        if state is None:
            latest = await self.pds_call(pds, lambda: self.xrpc.get_latest_commit(pds, did))
            rev, cursor = latest.rev, None
            async with self.writing:
                await _save_state_now(self.database, did, collection, rev, None, done=False)
        else:
            rev, cursor = state.rev, state.cursor
        while True:

            def read(c: str | None = cursor) -> Awaitable[RecordPage]:
                return self.xrpc.list_records(pds, did, collection, cursor=c, limit=_PAGE)

            page = await self.pds_call(pds, read)
            cursor = page.cursor
            last = cursor is None or not page.records
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
            applied = await apply_follow(
                self.database,
                [change for page in batch for change in page.changes],
                cursor=None,
                max_lists_per_account=self.options.max_lists_per_account,
                audio_origins=self.options.audio_origins,
                bulk=self.options.bulk,
                then=then,
            )
        except (SegueError, sa_exc.DBAPIError) as exc:
            # Each page's repository fails with it (the others in the run go on).
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
        deleted: list[int] = []

        async def finish(session: AsyncSession) -> None:
            now_us = time.time_ns() // 1000
            deleted.append(await delete_missing(session, did, collection, kind, rev, now_us))
            await _save_state(session, did, collection, rev, None, done=True)

        async with self.writing:
            await apply_follow(self.database, [], cursor=None, then=finish)
        for _ in range(sum(deleted)):
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
