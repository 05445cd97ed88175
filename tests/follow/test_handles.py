"""Handle look-ups off the stream are bounded: a burst of new accounts, spread over many
batches, never has more than a few DID resolutions in flight (the PLC stand-in counts the
requests it answers at once), nor a task per batch, and every account still gets its
handle."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from segue.atproto import DidResolver
from segue.catalog import Database
from segue.follow import FollowOptions, follow

from ..support.atproto_standins import PlcDirectory, did_document, make_identity
from .catalog_dump import dump
from .recording import TRACKS, Recording, track_record
from .standin import JetstreamStandIn

ACCOUNTS = 120
AT_ONCE = 8  # segue.follow._handles._AT_ONCE: the PLC directory is shared with everyone


async def test_a_burst_of_new_accounts_is_looked_up_a_few_at_a_time(
    database: Database, plc_directory: PlcDirectory, did_resolver: DidResolver
) -> None:
    rec = Recording(step_us=1000)
    handles = {}
    for a in range(ACCOUNTS):
        identity = make_identity()
        handles[identity.did] = f"artist{a}.example.com"
        plc_directory.put(
            did_document(identity, pds="https://pds.example.com", handle=handles[identity.did])
        )
        rec.commit(identity.did, TRACKS, "3lbtracka2222", "create", track_record(f"T{a}"))
    plc_directory.delay = 0.05  # far away: look-ups outlast the batches that asked for them

    tasks = 0

    async def count_tasks() -> None:
        nonlocal tasks
        while True:
            named = [t for t in asyncio.all_tasks() if t.get_name().startswith("handles")]
            tasks = max(tasks, len(named))
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(count_tasks())
    try:
        async with JetstreamStandIn(rec.events) as jetstream:
            options = FollowOptions(
                urls=(jetstream.url,),
                once=True,
                idle_seconds=0.5,
                start_cursor=0,
                batch_size=4,  # 30 batches, each with accounts first seen
                resolver=did_resolver,
            )
            await follow(database, options)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher

    assert 1 < plc_directory.max_in_flight <= AT_ONCE
    assert 0 < tasks <= AT_ONCE
    artists: list[dict[str, Any]] = (await dump(database))["artists"]
    assert {a["did"]: a["handle"] for a in artists} == handles
    assert all(plc_directory.requests[did] == 1 for did in handles)
