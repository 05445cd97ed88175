"""Issue 21, items 1-3: a host blind to the followed collections is left, the rewind
covers a host switch, and a gap is never silent. Against stand-in Jetstreams with a blind
mode and a retention window, on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from typer.testing import CliRunner

from segue.catalog import Database
from segue.cli import app
from segue.follow import (
    FollowOptions,
    Gap,
    apply_follow,
    clear_follow_gap,
    follow,
    follow_cursor,
    follow_gap,
    record_follow_gap,
)

from ..support.atproto_standins import did_document, make_identity
from .catalog_dump import dump
from .recording import LISTS, TRACKS, Recording, track_record
from .standin import JetstreamStandIn
from .test_follow import ALICE, STRANGER, WAIT_SECONDS


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def blind_story() -> Recording:
    """A followed track, then a stream of account events (which reach every subscriber),
    another followed track in the middle of them."""
    rec = Recording(step_us=10_000)
    rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Before"))
    for i in range(40):
        rec.identity(STRANGER, f"who{i}.example.com")
        if i == 20:
            rec.commit(ALICE, TRACKS, "3lbtrackb2222", "create", track_record("Hidden"))
    return rec


async def titles(database: Database) -> list[str]:
    return sorted(r["title"] for r in (await dump(database))["tracks"])


async def test_a_blind_host_is_left_for_the_next_from_the_last_followed_event(
    database: Database,
) -> None:
    """Before: the cursor, moved by account events, went past the commits the blind host
    hid, and they were lost for ever."""
    rec = blind_story()
    switches = sample("segue_follow_host_switches_total", reason="silence")
    async with (
        JetstreamStandIn(rec.events, blind=frozenset({TRACKS})) as blind,
        JetstreamStandIn(rec.events) as healthy,
    ):
        options = FollowOptions(
            urls=(blind.url, healthy.url),
            start_cursor=0,
            silence_seconds=0.5,
            rewind_us=15_000,
            backoff_seconds=0.01,
        )
        task = asyncio.create_task(follow(database, options))
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                while await titles(database) != ["Before", "Hidden"]:
                    assert not task.done(), task
                    await asyncio.sleep(0.05)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        assert blind.subscriptions[0].cursor == 0
        # The healthy host was asked from where this run began (no followed event yet).
        assert healthy.subscriptions[0].cursor == 0
    assert sample("segue_follow_host_switches_total", reason="silence") >= switches + 1


async def test_leaving_a_silent_host_resumes_before_the_last_followed_event(
    database: Database,
) -> None:
    rec = blind_story()
    before = rec.events[0]
    async with (
        JetstreamStandIn(rec.events[:1]) as first,
        JetstreamStandIn(rec.events) as second,
    ):
        options = FollowOptions(
            urls=(first.url, second.url),
            start_cursor=0,
            silence_seconds=0.5,
            rewind_us=15_000,
            backoff_seconds=0.01,
        )
        task = asyncio.create_task(follow(database, options))
        first.publish(*[e for e in rec.events[1:] if e["kind"] != "commit"])  # blind, live
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                while await titles(database) != ["Before", "Hidden"]:
                    assert not task.done(), task
                    await asyncio.sleep(0.05)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # Not from the last event received (an identity event far past the hidden commit).
        assert second.subscriptions[0].cursor == before["time_us"] - 15_000


async def live_identities(rec: Recording, *hosts: JetstreamStandIn) -> None:
    """Account traffic at the live tail (``time_us`` now), to every host, until cancelled:
    what a real network sends while the followed collections are quiet."""
    rec.step_us = 1_000
    for i in itertools.count():
        rec.now = max(rec.now, time.time_ns() // 1000 - rec.step_us)
        event = rec.identity(STRANGER, f"live{i}.example.com")
        for host in hosts:
            host.publish(event)
        await asyncio.sleep(0.02)


async def test_a_quiet_network_moves_the_silent_resume_forward_without_gaps(
    database: Database,
) -> None:
    """Before: on a quiet network every host left as silent resumed from the same last
    followed event, however long ago: a replay that grew with every switch and, once that
    event was older than the hosts keep, a gap at every switch. Two hosts that both showed
    the same window without a followed event move the resume point to its end."""
    rec = Recording(step_us=1_000, now=time.time_ns() // 1000 - 1_000_000)
    last_followed = rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Before"))
    start = last_followed["time_us"] - 1
    async with JetstreamStandIn(rec.events) as one, JetstreamStandIn(rec.events) as two:
        publisher = asyncio.create_task(live_identities(rec, one, two))
        options = FollowOptions(
            urls=(one.url, two.url),
            start_cursor=start,
            silence_seconds=0.5,
            rewind_us=15_000,
            backoff_seconds=0.01,
            retention_us=3_000_000,  # the hosts keep 3 s: the last followed event ages past it
        )
        task = asyncio.create_task(follow(database, options))
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                while len(two.subscriptions) < 3:
                    assert not task.done(), task
                    await asyncio.sleep(0.05)
        finally:
            for running in (task, publisher):
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
        # Hosts in turn, each left as silent: one, two, one, two, one, two.
        pairs = zip(one.subscriptions, two.subscriptions, strict=False)
        asked = [subscription.cursor for pair in pairs for subscription in pair]
    assert asked[:2] == [start, last_followed["time_us"] - 15_000]
    assert all(
        later is not None and earlier is not None and later > earlier
        for earlier, later in itertools.pairwise(asked[1:6])
    ), asked
    assert await follow_gap(database) is None
    assert await titles(database) == ["Before"]


async def test_one_host_silent_again_and_again_is_no_second_opinion(database: Database) -> None:
    """A single host blind for a while: each switch goes back before the last followed
    event (its own word that the window was empty proves nothing), so the commit it hid
    arrives once it sees again."""
    rec = Recording(step_us=1_000, now=time.time_ns() // 1000 - 1_000_000)
    before = rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Before"))
    async with JetstreamStandIn(rec.events) as host:
        publisher = asyncio.create_task(live_identities(rec, host))
        options = FollowOptions(
            urls=(host.url,),
            start_cursor=before["time_us"] - 1,
            silence_seconds=0.5,
            rewind_us=15_000,
            backoff_seconds=0.01,
        )
        task = asyncio.create_task(follow(database, options))
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                while await titles(database) != ["Before"]:
                    assert not task.done(), task
                    await asyncio.sleep(0.02)
                host.blind.add(TRACKS)
                rec.now = time.time_ns() // 1000
                host.publish(
                    rec.commit(ALICE, TRACKS, "3lbtrackb2222", "create", track_record("Hidden"))
                )
                while len(host.subscriptions) < 4:
                    assert not task.done(), task
                    await asyncio.sleep(0.02)
                host.blind.clear()
                while await titles(database) != ["Before", "Hidden"]:
                    assert not task.done(), task
                    await asyncio.sleep(0.02)
        finally:
            for running in (task, publisher):
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
        resumed = {subscription.cursor for subscription in host.subscriptions[1:4]}
    assert resumed == {before["time_us"] - 15_000}


async def test_a_replay_longer_than_the_silence_window_reaches_the_live_tail(
    database: Database,
) -> None:
    """Before: the silence was counted from the connection's start, so a host replaying
    a quiet hour more slowly than the window was left halfway, and the next connection
    replayed the same hour from the same last followed event: never the live tail."""
    rec = Recording(step_us=30_000_000, now=time.time_ns() // 1000 - 3600 * 1_000_000)
    rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Before"))
    for i in range(100):  # 100 account events over the hour: a second of replay
        rec.identity(STRANGER, f"who{i}.example.com")
    live_from = time.time_ns() // 1000
    async with JetstreamStandIn(rec.events, delay=0.01) as host:
        publisher = asyncio.create_task(live_identities(rec, host))
        options = FollowOptions(
            urls=(host.url,),
            start_cursor=0,
            silence_seconds=0.5,
            rewind_us=15_000,
            backoff_seconds=0.01,
        )
        task = asyncio.create_task(follow(database, options))
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                while (await follow_cursor(database) or 0) < live_from:
                    assert not task.done(), task
                    await asyncio.sleep(0.05)
        finally:
            for running in (task, publisher):
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
    assert await titles(database) == ["Before"]


async def test_a_cursor_older_than_the_host_keeps_is_a_gap(
    database: Database, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the host answered from its oldest event, and what came between was lost
    without a word."""
    now_us = time.time_ns() // 1000
    rec = Recording(step_us=60_000_000, now=now_us - 3 * 3600 * 1_000_000)
    for i in range(100):
        rec.identity(STRANGER, f"who{i}.example.com")
    rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("Kept"))
    asked = rec.events[5]["time_us"]
    await apply_follow(database, [], cursor=asked)  # a catalog that stopped long ago
    gaps = sample("segue_follow_gaps_total")
    seen: list[Gap] = []

    async def on_gap(gap: Gap) -> None:
        # What --backfill-on-gap runs, before the stream goes on: nothing applied yet
        # past the gap's start.
        assert (await dump(database))["cursor"] == asked
        seen.append(gap)

    async with JetstreamStandIn(rec.events, retention_us=20 * 60_000_000) as jetstream:
        stats = await follow(
            database,
            FollowOptions(
                urls=(jetstream.url,), once=True, idle_seconds=0.5, on_gap=on_gap, rewind_us=0
            ),
        )
        oldest_kept = jetstream.sent[0]["time_us"]
    assert stats.gaps == 1
    assert sample("segue_follow_gaps_total") == gaps + 1
    assert [(g.after_us, g.before_us) for g in seen] == [(asked, oldest_kept)]
    assert await follow_gap(database) == (asked, oldest_kept)
    # segue check says a backfill is needed.
    monkeypatch.setenv("SEGUE_DATABASE_URL", database_url)
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["check", "--data-dir", str(tmp_path)]
    )
    assert "backfill needed: no Jetstream host replayed the events between" in result.output
    assert result.exit_code == 1, result.output


async def test_check_exits_1_while_a_gap_waits_for_a_backfill(
    database: Database, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: `segue check` printed "backfill needed" and exited 0, so a monitor watching
    its status never saw a gap. An empty catalog is consistent: only the gap fails it."""
    monkeypatch.setenv("SEGUE_DATABASE_URL", database_url)
    monkeypatch.setenv("SEGUE_VECTOR_BACKEND", "local")

    def check(*extra: str) -> Any:
        return CliRunner().invoke(app, ["check", *extra, "--data-dir", str(tmp_path)])

    clean = await asyncio.to_thread(check)
    assert clean.exit_code == 0, clean.output
    after, before = 1_764_633_600_000_000, 1_764_640_800_000_000
    await record_follow_gap(database, after, before)
    result = await asyncio.to_thread(check)
    assert result.exit_code == 1, result.output
    assert "INCONSISTENT" not in result.output
    assert (
        "backfill needed: no Jetstream host replayed the events between "
        "2025-12-02T00:00:00+00:00 and 2025-12-02T02:00:00+00:00" in result.output
    )
    as_json = await asyncio.to_thread(check, "--json")
    assert as_json.exit_code == 1, as_json.output
    body = json.loads(as_json.output)
    assert body["consistent"] is True
    assert body["follow_gap"] == {"after_us": after, "before_us": before}
    # A backfill of every repository forgets the gap: exit 0 again.
    await clear_follow_gap(database)
    again = await asyncio.to_thread(check, "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["follow_gap"] is None


async def test_a_cursor_older_than_the_retention_setting_is_a_gap(database: Database) -> None:
    rec = Recording()  # an hour ago
    rec.commit(ALICE, TRACKS, "3lbtracka2222", "create", track_record("A"))
    await apply_follow(database, [], cursor=rec.events[0]["time_us"])
    async with JetstreamStandIn(rec.events) as jetstream:
        stats = await follow(
            database,
            FollowOptions(
                urls=(jetstream.url,),
                once=True,
                idle_seconds=0.5,
                retention_us=30 * 60 * 1_000_000,  # the host keeps half an hour
            ),
        )
    assert stats.gaps == 1
    assert await follow_gap(database) is not None


async def test_no_gap_when_the_host_replays_from_the_cursor(database: Database) -> None:
    rec = Recording()
    for i in range(5):
        rec.commit(ALICE, TRACKS, f"3lbtrack{i}2222", "create", track_record(f"T{i}"))
    rec.commit(ALICE, LISTS, "3lbplaylist22", "create", {"not": "a list"})
    await apply_follow(database, [], cursor=rec.events[2]["time_us"])
    async with JetstreamStandIn(rec.events) as jetstream:
        stats = await follow(
            database, FollowOptions(urls=(jetstream.url,), once=True, idle_seconds=0.5)
        )
    assert stats.gaps == 0
    assert await follow_gap(database) is None


def test_backfill_on_gap_needs_a_relay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGUE_RELAY_URL", raising=False)
    result = CliRunner().invoke(
        app,
        [
            "follow",
            "--jetstream",
            "ws://127.0.0.1:1",
            "--backfill-on-gap",
            "--data-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    assert "SEGUE_RELAY_URL" in result.output


async def test_handles_come_from_did_documents(
    database: Database, plc_directory: Any, did_resolver: Any
) -> None:
    """Before: an account first seen through its records, or whose identity event carried
    no handle, kept handle.invalid for ever."""
    artist = make_identity()
    plc_directory.put(did_document(artist, pds="https://pds.example.com", handle="Art.Example.com"))
    rec = Recording()
    rec.commit(artist.did, TRACKS, "3lbtracka2222", "create", track_record("A"))
    options = FollowOptions(urls=("ws://127.0.0.1:1",), once=True, idle_seconds=0.5, start_cursor=0)
    async with JetstreamStandIn(rec.events) as jetstream:
        await follow(database, replace(options, urls=(jetstream.url,), resolver=did_resolver))
    assert [r["handle"] for r in (await dump(database))["artists"]] == ["art.example.com"]
    # The handle changes; the identity event says only that something did.
    plc_directory.put(did_document(artist, pds="https://pds.example.com", handle="new.example.com"))
    rec.identity(artist.did, None)
    async with JetstreamStandIn(rec.events) as jetstream:
        await follow(database, replace(options, urls=(jetstream.url,), resolver=did_resolver))
    assert [r["handle"] for r in (await dump(database))["artists"]] == ["new.example.com"]
