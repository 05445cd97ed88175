"""``segue follow backfill`` killed with SIGKILL mid-way (a real subprocess, not a task
cancelled) and run again goes on where it stopped, on PostgreSQL and SQLite: every record
there once, and only the pages not yet applied read again (the PDS stand-in counts them).

Each page is applied in the same transaction as where the backfill stands after it
(``follow_backfill``), so the pages to read again are exactly those not in the catalog."""

from __future__ import annotations

import asyncio
import math
import os
import signal
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from segue.catalog import Database
from segue.catalog.tables import FollowBackfill

from ..support.atproto_standins import Pds, PlcDirectory, did_document, make_identity
from ..support.standin_cli import standin_cli_command
from .catalog_dump import dump
from .recording import TRACKS, tid, track_record

WAIT_SECONDS = 120.0  # bounds on waiting for a subprocess, never timing assertions
REV = tid(1_764_633_600_000_000)
REPOS, RECORDS = 3, 450  # 100 a page: 5 pages and the empty one after the last
# ... and the list collection's one empty page
PER_REPO = math.ceil(RECORDS / 100) + 1 + 1


async def run_backfill(env: dict[str, str], dids: list[str]) -> asyncio.subprocess.Process:
    args = [a for did in dids for a in ("--did", did)]
    # the PDS stand-in is on loopback: the CLI's ATProto client is told to allow it
    return await asyncio.create_subprocess_exec(
        *standin_cli_command(),
        "follow",
        "backfill",
        *args,
        "--concurrency",
        "1",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def pages_stored(database: Database) -> int:
    """How many repositories have pages in the catalog (a cheap poll, not a dump)."""
    async with database.reading() as conn:
        count = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(FollowBackfill)
            .where(FollowBackfill.cursor.is_not(None))
        )
    return int(count or 0)


async def test_sigkill_mid_backfill_then_resume(
    database: Database,
    database_url: str,
    plc_directory: PlcDirectory,
    pds: Pds,
    tmp_path: Path,
) -> None:
    dids = []
    for a in range(REPOS):
        identity = make_identity()
        plc_directory.put(did_document(identity, pds=pds.url, handle=f"a{a}.example.com"))
        pds.add_repo(identity.did, rev=REV)
        for i in range(RECORDS):
            rkey = tid(1_764_633_600_000_000 + a * RECORDS + i)
            pds.put_record(identity.did, TRACKS, rkey, track_record(f"Track {a}-{i}"))
        dids.append(identity.did)
    env = {
        **os.environ,
        "SEGUE_DATABASE_URL": database_url,
        "SEGUE_DATA_DIR": str(tmp_path),
        "SEGUE_PLC_URL": plc_directory.url,
    }

    # The PDS answers 7 pages, then keeps the next request waiting: the process cannot
    # finish, however loaded the machine, and is killed once pages are in the catalog.
    pds.hold(after=7)
    process = await run_backfill(env, dids)
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            assert process.returncode is None, await process.stderr.read()  # type: ignore[union-attr]
            if pds.requests["listRecords"] > 7 and await pages_stored(database):
                break
            await asyncio.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    assert await process.wait() == -signal.SIGKILL
    killed = await dump(database)
    applied = Counter(t["artist_did"] for t in killed["tracks"])
    assert 0 < sum(applied.values()) < REPOS * RECORDS
    assert not any(r["done"] for r in killed["follow_backfill"])
    assert {r["collection"] for r in killed["follow_backfill"]} == {TRACKS}
    started = len(killed["follow_backfill"])
    served = Counter(pds.requests)

    pds.release()
    process = await run_backfill(env, dids)
    async with asyncio.timeout(WAIT_SECONDS):
        _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert b"3/3 repositories" in stderr

    rows = await dump(database)
    assert len(rows["tracks"]) == REPOS * RECORDS
    assert len({t["uri"] for t in rows["tracks"]}) == REPOS * RECORDS
    assert Counter(t["artist_did"] for t in rows["tracks"]) == dict.fromkeys(dids, RECORDS)
    assert all(t["deleted_at"] is False for t in rows["tracks"])
    assert {r["rev"] for r in rows["follow_records"]} == {REV}
    assert all(r["done"] for r in rows["follow_backfill"])
    # Only what was not in the catalog is read again: a repo's applied pages never are.
    unread = sum(PER_REPO - math.ceil(applied[did] / 100) for did in dids)
    assert pds.requests["listRecords"] - served["listRecords"] == unread < REPOS * PER_REPO
    # The rev each started collection reads at was stored: asked only for the others.
    assert pds.requests["getLatestCommit"] - served["getLatestCommit"] == 2 * REPOS - started
