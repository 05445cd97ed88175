"""Nothing lost, nothing doubled: ``segue follow`` killed with SIGKILL mid-stream and run
again ends in exactly the state of an uninterrupted run, on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import urllib.request
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from segue.catalog import Database
from segue.catalog._models import Base
from segue.follow import FollowOptions, follow, follow_cursor

from ..support import free_port, segue_binary
from .catalog_dump import dump
from .recording import LISTS, TRACKS, Recording, list_record, ref_of, track_record
from .standin import JetstreamStandIn

WAIT_SECONDS = 120.0  # bounds on waiting for a subprocess, never timing assertions


def busy_stream(seed: int = 7) -> list[dict[str, Any]]:
    """A few hundred events: tracks, playlists listing tracks before and after they
    arrive, updates, redeliveries, deletes, a takedown and its reversal."""
    rng = random.Random(seed)
    rec = Recording(step_us=50_000)
    artists = [f"did:plc:artist{i:02d}aaaaaaaaaaaaaaaaa" for i in range(8)]
    owners = [f"did:plc:owner{i:02d}bbbbbbbbbbbbbbbbbb" for i in range(4)]
    tracks: list[dict[str, Any]] = []
    future = [
        (f"at://{artists[i % 8]}/{TRACKS}/3lfuture{i:05d}", f"bafyrei{'a' * 52}") for i in range(20)
    ]
    for i in range(240):
        if i % 3 == 2 and tracks:
            owner = owners[i % 4]
            refs = [ref_of(t) for t in rng.sample(tracks, min(len(tracks), 6))]
            refs += rng.sample(future, 2)  # items waiting for tracks still to come
            rec.commit(
                owner,
                LISTS,
                f"3lplaylist{i % 10:03d}",
                "create" if i < 30 else "update",
                list_record(f"Mix {i}", refs),
            )
        elif i % 17 == 0 and tracks:
            rec.again(rng.choice(tracks))
        elif i % 23 == 0 and tracks:
            victim = tracks.pop(rng.randrange(len(tracks)))
            rec.commit(victim["did"], TRACKS, victim["commit"]["rkey"], "delete")
        else:
            did = artists[i % 8]
            tracks.append(
                rec.commit(
                    did,
                    TRACKS,
                    f"3ltrack{i:06d}",
                    "create",
                    track_record(f"Song {i}", f"Artist {i % 8}"),
                )
            )
        if i == 100:
            rec.account(artists[1], active=False, status="takendown")
        if i == 180:
            rec.account(artists[1], active=True)
        if i == 150:
            rec.identity(artists[2], "artist2.example.com")
    for uri, _cid in future[:10]:
        did, _collection, rkey = uri[len("at://") :].split("/")
        rec.commit(did, TRACKS, rkey, "create", track_record(f"Late {rkey}"))
    return rec.events


async def empty(database: Database) -> None:
    """Back to a fresh catalog (the migration's ``index_generation`` row kept)."""
    async with database.sessionmaker.begin() as session:
        for table in reversed(Base.metadata.sorted_tables):
            keep = table.c.name != "index_generation" if table.name == "catalog_state" else None
            await session.execute(
                sa.delete(table) if keep is None else sa.delete(table).where(keep)
            )


async def run_follow(url: str, env: dict[str, str], *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        segue_binary(),
        "follow",
        "--jetstream",
        url,
        *extra,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_sigkill_mid_stream_then_resume(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    events = busy_stream()
    last = max(e["time_us"] for e in events)

    # The reference: one uninterrupted run, in process.
    async with JetstreamStandIn(events) as jetstream:
        await follow(
            database,
            FollowOptions(urls=(jetstream.url,), once=True, idle_seconds=1.0, start_cursor=0),
        )
    reference = await dump(database)
    assert reference["cursor"] == last
    await empty(database)

    env = {**os.environ, "SEGUE_DATABASE_URL": database_url, "SEGUE_DATA_DIR": str(tmp_path)}
    metrics_port = free_port()
    # Slow enough to be caught mid-stream: a few milliseconds per event. The host has only
    # the first two thirds of the stream, so however long the metrics take to read on a
    # loaded machine the follower cannot have reached the end before it is killed.
    async with JetstreamStandIn(events[: 2 * len(events) // 3], delay=0.01) as jetstream:
        # Its stderr is a pipe, as in a service's journal: a status line every 0.1 s.
        watched = {**env, "SEGUE_METRICS_PORT": str(metrics_port), "SEGUE_PROGRESS_SECONDS": "0.1"}
        process = await run_follow(jetstream.url, watched, "--cursor", "0")
        async with asyncio.timeout(WAIT_SECONDS):
            while (await follow_cursor(database) or 0) < events[len(events) // 3]["time_us"]:
                assert process.returncode is None, await process.stderr.read()  # type: ignore[union-attr]
                await asyncio.sleep(0.01)
        # Its metrics, on SEGUE_METRICS_PORT while it runs.
        url = f"http://127.0.0.1:{metrics_port}/metrics"
        text = (
            await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=10).read())
        ).decode()
        assert 'segue_follow_events_total{kind="track",result="applied"}' in text
        assert "segue_follow_lag_seconds" in text
        process.send_signal(signal.SIGKILL)
        assert await process.wait() == -signal.SIGKILL
        said = (await process.stderr.read()).decode()  # type: ignore[union-attr]
        assert re.search(r"^following \S+: [\d,]+ events, [\d,]+ applied", said, re.M), said
        killed_at = await follow_cursor(database)
        assert killed_at is not None
        assert killed_at < last

    async with JetstreamStandIn(events) as jetstream:
        process = await run_follow(jetstream.url, env, "--once", "--idle", "1", "--cursor", "0")
        async with asyncio.timeout(WAIT_SECONDS):
            _, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()
        assert b"caught up" in stderr
        # It resumed from the stored cursor (rewound), not from --cursor 0.
        assert jetstream.subscriptions[0].cursor == killed_at - 15_000_000

    resumed = await dump(database)
    # Account events are applied in the order they arrive (docs/atproto.md): a takedown and
    # its reversal inside the rewound window are applied again, ending as they were, and
    # move the seeds generation of the playlists holding the account's tracks once more.
    # That counter only ever moves forward (a new cache key: a recomputation, never a stale
    # answer), so it is compared for order, and everything else for equality.
    for before, after in zip(reference["playlists"], resumed["playlists"], strict=True):
        assert after.pop("seeds_generation") >= before.pop("seeds_generation")
    assert resumed == reference
