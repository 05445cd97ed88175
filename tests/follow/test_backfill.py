"""`segue follow backfill` against loopback stand-ins of a PLC directory, a PDS and a relay
(tests/support/atproto_standins.py), on PostgreSQL and SQLite: every record read, the
stream's newer versions kept, records the repo no longer holds deleted, resumable after a
kill, Retry-After honoured, and racing the live stream."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from prometheus_client import REGISTRY
from typer.testing import CliRunner

from segue.atproto import DidResolver, XrpcClient
from segue.catalog import Database, get_playlist, hashed_track_id
from segue.cli import app
from segue.follow import BackfillOptions, FollowOptions, backfill, follow, follow_cursor

from ..support.atproto_standins import Pds, PlcDirectory, Relay, did_document, make_identity
from ..support.standin_cli import STANDINS
from .catalog_dump import dump
from .recording import LISTS, TRACKS, Recording, list_record, tid, track_record
from .standin import JetstreamStandIn

REV = tid(1_764_633_600_000_000)  # the repos' rev: older than anything the stream sends


def account(plc: PlcDirectory, pds: Pds, handle: str) -> str:
    identity = make_identity()
    plc.put(did_document(identity, pds=pds.url, handle=handle))
    pds.add_repo(identity.did, rev=REV)
    return identity.did


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def world(plc_directory: PlcDirectory, pds: Pds, relay: Relay) -> dict[str, Any]:
    alice = account(plc_directory, pds, "alice.example.com")
    bob = account(plc_directory, pds, "bob.example.com")
    tracks = {}
    for i in range(250):
        rkey = tid(1_764_633_600_000_000 + i)
        tracks[rkey] = pds.put_record(alice, TRACKS, rkey, track_record(f"Track {i}"))
    first = sorted(tracks)[:3]
    refs = [(f"at://{alice}/{TRACKS}/{k}", tracks[k]) for k in first]
    pds.put_record(bob, LISTS, "3lbplaylist22", list_record("Bob's", refs))
    relay.add(TRACKS, alice)
    relay.add(LISTS, bob)
    return {"alice": alice, "bob": bob, "tracks": tracks, "first": first}


async def test_every_record_is_read_through_the_relay(
    database: Database,
    world: dict[str, Any],
    did_resolver: DidResolver,
    xrpc: XrpcClient,
    relay: Relay,
    pds: Pds,
) -> None:
    applied = sample("segue_follow_backfill_records_total", result="applied")
    pds.fail_next(2, status=429, retry_after="0")  # Retry-After honoured, then it goes on
    stats = await backfill(
        database, xrpc, did_resolver, BackfillOptions(relay=relay.url, per_pds=2)
    )
    assert stats.failed == {}
    assert (stats.total, stats.repos) == (2, 2)
    assert stats.results == {"applied": 251}
    assert sample("segue_follow_backfill_records_total", result="applied") == applied + 251
    rows = await dump(database)
    assert len(rows["tracks"]) == 250
    assert {r["rev"] for r in rows["follow_records"]} == {REV}
    alice = world["alice"]
    async with database.sessionmaker() as session:
        view = await get_playlist(session, "3lbplaylist22")
    assert view.owner_did == world["bob"]
    assert list(view.track_ids) == [
        hashed_track_id(f"at://{alice}/{TRACKS}/{k}") for k in world["first"]
    ]
    assert all(r["done"] for r in rows["follow_backfill"])
    # Again: every record is there at that rev already, nothing is read twice.
    again = await backfill(database, xrpc, did_resolver, BackfillOptions(relay=relay.url))
    assert again.records == 0


async def test_newer_stream_versions_stay_and_vanished_records_go(
    database: Database, world: dict[str, Any], did_resolver: DidResolver, xrpc: XrpcClient
) -> None:
    alice = world["alice"]
    rkey_new, rkey_gone = world["first"][0], "3aaaaaaaaaaa2"
    rec = Recording()
    # The stream has a newer version of one record, and a record the repo has since deleted
    # (applied at an older rev than the backfill's).
    newer = rec.commit(alice, TRACKS, rkey_new, "update", track_record("From the stream"))
    gone = rec.commit(alice, TRACKS, rkey_gone, "create", track_record("Gone"), rev=tid(1000))
    async with JetstreamStandIn(rec.events) as jetstream:
        await follow(
            database,
            FollowOptions(urls=(jetstream.url,), once=True, idle_seconds=0.5, start_cursor=0),
        )
    stats = await backfill(database, xrpc, did_resolver, BackfillOptions(dids=(alice,)))
    assert stats.results == {"applied": 249, "stale": 1, "deleted": 1}
    rows = {r["uri"].rsplit("/", 1)[1]: r for r in (await dump(database))["tracks"]}
    assert rows[rkey_new]["title"] == "From the stream"
    assert rows[rkey_new]["cid"] == newer["commit"]["cid"]
    assert rows[rkey_gone]["deleted_at"] is True
    assert gone["commit"]["rev"] < REV


async def test_a_killed_backfill_goes_on_where_it_stopped(
    database: Database,
    world: dict[str, Any],
    did_resolver: DidResolver,
    xrpc: XrpcClient,
    pds: Pds,
) -> None:
    alice = world["alice"]
    pds.page_delay = 0.2  # a slow PDS: the task is caught between pages, not after the last
    task = asyncio.create_task(
        backfill(database, xrpc, did_resolver, BackfillOptions(dids=(alice,)))
    )
    async with asyncio.timeout(30):
        while not (await dump(database))["follow_backfill"] or pds.requests["listRecords"] < 2:
            assert not task.done(), task  # stopped after the first page, not at the end
            await asyncio.sleep(0.01)
    task.cancel()  # as a kill: nothing after the last stored page is kept
    with contextlib.suppress(asyncio.CancelledError):
        await task
    before = len((await dump(database))["tracks"])
    assert 0 < before < 250
    # The repo moved on meanwhile: the resumed backfill still reads at the rev it began
    # with, so the records of the first pages are not taken for deleted ones.
    pds.set_rev(alice, tid(1_764_633_700_000_000))
    pds.page_delay = 0.0
    stats = await backfill(database, xrpc, did_resolver, BackfillOptions(dids=(alice,)))
    assert stats.failed == {}
    assert "deleted" not in stats.results
    rows = await dump(database)
    assert len(rows["tracks"]) == 250
    assert all(r["deleted_at"] is False for r in rows["tracks"])
    assert pds.requests["getLatestCommit"] == 1 + 1  # alice's once; bob's list repo... none
    assert {r["rev"] for r in rows["follow_records"]} == {REV}


async def test_a_backfill_racing_the_live_stream(
    database: Database, world: dict[str, Any], did_resolver: DidResolver, xrpc: XrpcClient
) -> None:
    """The stream's updates (newer revs) win whether they land before or after the
    backfill's older versions of the same records."""
    alice = world["alice"]
    rec = Recording(step_us=1000)
    updates = [
        rec.commit(alice, TRACKS, rkey, "update", track_record(f"Live {i}"))
        for i, rkey in enumerate(sorted(world["tracks"])[::10])
    ]
    async with JetstreamStandIn(rec.events, delay=0.005) as jetstream:
        # A long-running follower (it waits out a busy database, as in production).
        options = FollowOptions(urls=(jetstream.url,), start_cursor=0, backoff_seconds=0.1)
        streaming = asyncio.create_task(follow(database, options))
        try:
            stats = await backfill(database, xrpc, did_resolver, BackfillOptions(dids=(alice,)))
            async with asyncio.timeout(60):
                while await follow_cursor(database) != rec.events[-1]["time_us"]:
                    assert not streaming.done(), streaming
                    await asyncio.sleep(0.05)
        finally:
            streaming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await streaming
    assert stats.failed == {}
    rows = {r["uri"].rsplit("/", 1)[1]: r for r in (await dump(database))["tracks"]}
    assert len(rows) == 250
    for event in updates:
        row = rows[event["commit"]["rkey"]]
        assert (row["title"], row["cid"]) == (
            event["commit"]["record"]["title"],
            event["commit"]["cid"],
        )


async def test_records_holding_links_are_read_with_the_cid_the_pds_gives(
    database: Database,
    plc_directory: PlcDirectory,
    pds: Pds,
    did_resolver: DidResolver,
    xrpc: XrpcClient,
) -> None:
    """A track's ``audioBlob`` holds a ``$link``: the PDS's CID is that of the DAG-CBOR
    with a link in it, which the backfill checks and applies (no CID passed by the test)."""
    alice = account(plc_directory, pds, "alice.example.com")
    blob = pds.put_blob(alice, b"ID3 not really an mp3")
    record = track_record(
        "Blob",
        audioBlob={"$type": "blob", "ref": {"$link": blob}, "mimeType": "audio/mpeg", "size": 21},
    )
    cid = pds.put_record(alice, TRACKS, "3lbtrackblob2", record)
    stats = await backfill(database, xrpc, did_resolver, BackfillOptions(dids=(alice,)))
    assert stats.results == {"applied": 1}
    [row] = (await dump(database))["tracks"]
    assert (row["cid"], row["audio_blob_did"], row["audio_blob_cid"]) == (cid, alice, blob)


async def test_the_command(
    database_url: str,
    world: dict[str, Any],
    plc_directory: PlcDirectory,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEGUE_DATABASE_URL", database_url)
    monkeypatch.setenv("SEGUE_PLC_URL", plc_directory.url)
    dids = tmp_path / "dids.txt"
    dids.write_text(f"# the artists\n{world['alice']}\n\n")
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        [
            "follow",
            "backfill",
            "--dids-file",
            str(dids),
            "--did",
            world["bob"],
            "--concurrency",
            "2",
        ],
        # the PDS stand-in is on loopback: the CLI's ATProto client is told to allow it
        obj=STANDINS,
    )
    assert result.exit_code == 0, result.output
    assert "backfilled: 2/2 repositories, 251 records (251 applied)" in result.output
    missing = CliRunner().invoke(app, ["follow", "backfill", "--data-dir", str(tmp_path)])
    assert missing.exit_code == 2
    assert "give --relay URL, --did DID or --dids-file FILE" in missing.output


async def test_the_command_reads_no_pds_on_loopback(
    database_url: str,
    world: dict[str, Any],
    plc_directory: PlcDirectory,
    pds: Pds,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``segue`` as deployed (no stand-in wiring): a DID document naming a PDS on loopback
    (the API's Redis, an admin port...) fails that account, and no request reaches it. The
    PLC directory on loopback is the operator's own setting, and is read."""
    monkeypatch.setenv("SEGUE_DATABASE_URL", database_url)
    monkeypatch.setenv("SEGUE_PLC_URL", plc_directory.url)
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["follow", "backfill", "--did", world["alice"]]
    )
    assert result.exit_code == 1, result.output
    assert "1/1 repositories, 0 records; 1 failed" in result.output
    assert f"{world['alice']}: loopback host refused: 127.0.0.1" in result.output
    assert plc_directory.requests[world["alice"]] == 1
    assert sum(pds.requests.values()) == 0
