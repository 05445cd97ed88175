"""`segue follow backfill`: records per second read from a PDS into the catalog.

A loopback stand-in of a PLC directory and a PDS (the tests' own, tests/support/
atproto_standins.py: real HTTP on 127.0.0.1) holds ``accounts`` repositories of
``per_account`` track records each; the backfill resolves every DID, reads every page of
``listRecords`` and applies the records through the stream's path (lexicon, CID and trust
checks; rev order), on the embedded SQLite file and on PostgreSQL when
``SEGUE_BENCH_POSTGRES_URL`` names a server (a fresh database is made there for the run and
dropped after). Each row is the median of ``repeats`` runs on an empty catalog; the load
average is printed beside it, since the machine is shared.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url
from tests.follow.recording import TRACKS, tid, track_record
from tests.support.atproto_standins import Pds, PlcDirectory, did_document, make_identity

from segue.atproto import DidResolver, HttpClient, XrpcClient
from segue.catalog import open_database, upgrade
from segue.follow import BackfillOptions, backfill
from segue.settings import Settings

__all__ = ["run"]


async def _admin(server: str, statement: str) -> None:
    conn = await asyncpg.connect(server, timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


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


async def _once(url: str, plc: PlcDirectory, dids: list[str]) -> float:
    async with open_database(Settings(database_url=url)) as database, HttpClient() as http:
        await upgrade(database)
        resolver = DidResolver(http, plc_url=plc.url)
        start = time.perf_counter()
        stats = await backfill(database, XrpcClient(http), resolver, BackfillOptions(dids=dids))
        seconds = time.perf_counter() - start
    assert not stats.failed, stats.failed
    return stats.records / seconds


async def _row(name: str, urls: list[str], plc: PlcDirectory, dids: list[str]) -> str:
    rates = [await _once(url, plc, dids) for url in urls]
    load = os.getloadavg()[0]
    return f"| {name} | {statistics.median(rates):,.0f} | {len(urls)} | {load:.1f} |"


async def _run(accounts: int, per_account: int, repeats: int) -> str:
    plc, pds, dids = await _world(accounts, per_account)
    rows = [
        f"Backfill: {accounts} accounts x {per_account} track records from a loopback PDS",
        "",
        "| catalog | records/s (median) | runs | load average |",
        "|---|---|---|---|",
    ]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            files = [f"sqlite+aiosqlite:///{Path(tmp) / f'{i}.db'}" for i in range(repeats)]
            rows.append(await _row("SQLite", files, plc, dids))
        server = os.environ.get("SEGUE_BENCH_POSTGRES_URL")
        if server:
            names = [f"segue_bench_{secrets.token_hex(4)}" for _ in range(repeats)]
            for name in names:
                await _admin(server, f'CREATE DATABASE "{name}"')
            try:
                urls = [
                    make_url(server).set(database=n).render_as_string(hide_password=False)
                    for n in names
                ]
                rows.append(await _row("PostgreSQL", urls, plc, dids))
            finally:
                for name in names:
                    await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await pds.close()
        await plc.close()
    return "\n".join(rows)


def run(accounts: int = 20, per_account: int = 250, repeats: int = 3) -> str:
    return asyncio.run(_run(accounts, per_account, repeats))
