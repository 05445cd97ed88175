"""PostgreSQL stopped in the middle of `segue follow backfill`: after a few retries the
backfill ends with DatabaseUnavailable, and no worker of it is left reading PDSes or
writing (its caller closes the HTTP client next). The test's own cluster is stopped."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from segue.atproto import DidResolver, XrpcClient
from segue.catalog import Database, open_database, upgrade
from segue.errors import DatabaseUnavailable
from segue.follow import BackfillOptions, backfill
from segue.settings import Settings

from ..follow.recording import TRACKS, tid, track_record
from ..support import PostgresServer
from ..support.atproto_standins import Pds, PlcDirectory, did_document, make_identity

ACCOUNTS = 6
TRACKS_EACH = 300  # three pages each: the workers are mid-read when the database goes


@pytest.fixture
async def pg_database(postgres_server: PostgresServer, tmp_path: Path) -> AsyncIterator[Database]:
    name = f"segue_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(postgres_server.url(), timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    settings = Settings(
        database_url=postgres_server.url(name),
        database_connect_timeout=1.0,
        database_statement_timeout=1.0,
        data_dir=tmp_path / "data",
    )
    database = open_database(settings)
    try:
        await upgrade(database)
        yield database
    finally:
        await database.aclose()
        if not postgres_server.running:  # a failed test may leave it stopped
            postgres_server.start()


def _workers() -> list[asyncio.Task[object]]:
    """The backfill's worker tasks still alive."""
    return [
        t
        for t in asyncio.all_tasks()
        if not t.done() and "_Run.worker" in getattr(t.get_coro(), "__qualname__", "")
    ]


async def test_an_outage_ends_the_backfill_and_every_worker(
    pg_database: Database,
    postgres_server: PostgresServer,
    plc_directory: PlcDirectory,
    pds: Pds,
    did_resolver: DidResolver,
    xrpc: XrpcClient,
) -> None:
    dids = []
    for n in range(ACCOUNTS):
        identity = make_identity()
        plc_directory.put(did_document(identity, pds=pds.url, handle=f"a{n}.example.com"))
        pds.add_repo(identity.did, rev=tid(1_764_633_600_000_000))
        for i in range(TRACKS_EACH):
            rkey = tid(1_764_633_500_000_000 + i)
            pds.put_record(identity.did, TRACKS, rkey, track_record(f"T{n}.{i}"))
        dids.append(identity.did)
    pds.page_delay = 0.05  # a slow PDS: every worker is between pages when it stops
    task = asyncio.create_task(
        backfill(pg_database, xrpc, did_resolver, BackfillOptions(dids=tuple(dids)))
    )
    async with asyncio.timeout(60):
        while pds.requests["listRecords"] < ACCOUNTS + 2:
            assert not task.done(), task
            await asyncio.sleep(0.01)
    postgres_server.stop(signal.SIGINT)  # fast shutdown: its connections are closed
    try:
        with pytest.raises(DatabaseUnavailable):
            async with asyncio.timeout(60):
                await task
        # Nothing of it runs on: no worker left, and the PDS is asked nothing more.
        assert _workers() == []
        asked = pds.requests["listRecords"]
        await asyncio.sleep(0.5)
        assert pds.requests["listRecords"] == asked
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        postgres_server.start()


async def test_a_short_outage_is_waited_out(
    pg_database: Database,
    postgres_server: PostgresServer,
    plc_directory: PlcDirectory,
    pds: Pds,
    did_resolver: DidResolver,
    xrpc: XrpcClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two seconds without an answer (a failover): the writes are tried again, and the
    backfill ends with every record and no repo failed."""
    identity = make_identity()
    plc_directory.put(did_document(identity, pds=pds.url, handle="alice.example.com"))
    pds.add_repo(identity.did, rev=tid(1_764_633_600_000_000))
    for i in range(TRACKS_EACH):
        rkey = tid(1_764_633_500_000_000 + i)
        pds.put_record(identity.did, TRACKS, rkey, track_record(f"T{i}"))
    pds.hold(after=1)  # the first page is answered, the next waits
    task = asyncio.create_task(
        backfill(pg_database, xrpc, did_resolver, BackfillOptions(dids=(identity.did,)))
    )
    try:
        async with asyncio.timeout(60):
            while pds.requests["listRecords"] < 2:
                assert not task.done(), task
                await asyncio.sleep(0.01)
        postgres_server.pause()  # connections stay open and nothing answers
        pds.release()
        await asyncio.sleep(2.0)  # past the statement timeout (1 s): the write fails
        postgres_server.resume()
        async with asyncio.timeout(60):
            stats = await task
    finally:
        postgres_server.resume()
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
    assert stats.failed == {}
    assert stats.results == {"applied": TRACKS_EACH}
    assert any("retrying in" in r.getMessage() for r in caplog.records)
