"""`segue follow backfill`: records per second read from a PDS into the catalog.

A loopback stand-in of a PLC directory and a PDS (the tests' own, tests/support/
atproto_standins.py: real HTTP on 127.0.0.1) holds ``accounts`` repositories of
``per_account`` track records each; the backfill resolves every DID, reads every page of
``listRecords`` and applies each page in one transaction with the stream's checks and rules
(lexicon, CID and trust checks; rev order): its track records in a few set-based statements
(``bulk``), and, as the reference in the same run, one by one through the stream's path
(``reference_accounts`` of the repositories only: it is slow), on the embedded SQLite file
and on PostgreSQL when ``SEGUE_BENCH_POSTGRES_URL`` names a server (a fresh database is made
there for each run and dropped after). Each row is the median of ``repeats`` runs on an
empty catalog; the load average is printed beside it, since the machine is shared.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from tests.follow.recording import TRACKS, tid, track_record
from tests.support.atproto_standins import Pds, PlcDirectory, did_document, make_identity

from segue.atproto import DidResolver, HttpClient, XrpcClient
from segue.catalog import open_database, upgrade
from segue.follow import BackfillOptions, backfill
from segue.settings import Settings

from ._dataset import empty_database

__all__ = ["run"]


async def _world(accounts: int, per_account: int) -> tuple[PlcDirectory, Pds, list[str]]:
    plc, pds = PlcDirectory(), Pds()
    await plc.start()
    await pds.start()
    dids = []
    for a in range(accounts):
        identity = make_identity()
        plc.put(did_document(identity, pds=pds.url, handle=f"artist{a}.bench.example.com"))
        pds.add_repo(identity.did, rev=tid(1_764_633_600_000_000))
        for i in range(per_account):
            rkey = tid(1_764_633_600_000_000 + a * per_account + i)
            value = track_record(f"Track {a}-{i}", f"Artist {a}")
            pds.put_record(identity.did, TRACKS, rkey, value)
        dids.append(identity.did)
    return plc, pds, dids


async def _once(
    url: str, plc: PlcDirectory, dids: list[str], per_account: int, *, bulk: bool
) -> float:
    # the stand-ins are on loopback, which the client refuses unless told otherwise
    async with (
        open_database(Settings(database_url=url)) as database,
        HttpClient(allow_loopback=True) as http,
    ):
        await upgrade(database)
        resolver = DidResolver(http, plc_url=plc.url)
        options = BackfillOptions(dids=dids, bulk=bulk)
        start = time.perf_counter()
        stats = await backfill(database, XrpcClient(http), resolver, options)
        seconds = time.perf_counter() - start
    assert not stats.failed, stats.failed
    assert stats.results == {"applied": len(dids) * per_account}, stats.results
    return stats.records / seconds


async def _rows(
    name: str,
    urls: Callable[[], AsyncIterator[str]],
    plc: PlcDirectory,
    dids: list[str],
    reference_dids: list[str],
    per_account: int,
    repeats: int,
) -> list[str]:
    rates: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(repeats):
        for bulk in (True, False):
            async for url in urls():
                rates[bulk].append(
                    await _once(url, plc, dids if bulk else reference_dids, per_account, bulk=bulk)
                )
    load = os.getloadavg()[0]
    in_bulk, one = statistics.median(rates[True]), statistics.median(rates[False])
    return [
        f"| {name} | page in bulk | {len(dids)} | {in_bulk:,.0f} | {in_bulk / one:.1f}x "
        f"| {load:.1f} |",
        f"| {name} | one by one (reference) | {len(reference_dids)} | {one:,.0f} | 1.0x "
        f"| {load:.1f} |",
    ]


async def _run(accounts: int, per_account: int, repeats: int, reference_accounts: int) -> str:
    plc, pds, dids = await _world(accounts, per_account)
    reference = dids[:reference_accounts]
    rows = [
        f"Backfill: {accounts} accounts x {per_account} track records from a loopback PDS "
        f"(the reference: {len(reference)} of them); median of {repeats} runs each",
        "",
        "| catalog | a page's records | accounts | records/s (median) | ratio | load average |",
        "|---|---|---|---|---|---|",
    ]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            count = iter(range(1_000_000))

            async def files() -> AsyncIterator[str]:
                yield f"sqlite+aiosqlite:///{Path(tmp) / f'{next(count)}.db'}"

            rows += await _rows("SQLite", files, plc, dids, reference, per_account, repeats)
        server = os.environ.get("SEGUE_BENCH_POSTGRES_URL")
        if server:

            async def databases(admin: str = server) -> AsyncIterator[str]:
                async with empty_database(admin) as url:
                    yield url

            rows += await _rows("PostgreSQL", databases, plc, dids, reference, per_account, repeats)
    finally:
        await pds.close()
        await plc.close()
    return "\n".join(rows)


def run(
    accounts: int = 20, per_account: int = 250, repeats: int = 3, reference_accounts: int = 4
) -> str:
    return asyncio.run(_run(accounts, per_account, repeats, reference_accounts))
