"""A backfill after the first: a repo that moved is read whole again (a gap hides its
changes from the stream), one that did not costs one request; and a PDS whose pages
never end fails its repo instead of keeping the backfill reading for ever. On PostgreSQL
and SQLite, against the loopback stand-ins (tests/support/atproto_standins.py)."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import pytest
from typer.testing import CliRunner

from segue.atproto import DidResolver, XrpcClient
from segue.catalog import Database
from segue.cli import app
from segue.follow import BackfillOptions, backfill, follow_gap, record_follow_gap

from ..support.atproto_standins import Pds, PlcDirectory, Relay, did_document, make_identity
from ..support.standin_cli import STANDINS
from .catalog_dump import dump
from .recording import TRACKS, tid, track_record

REV = tid(1_764_633_600_000_000)
GAP_REV = tid(1_764_700_000_000_000)  # the repo's rev after the commits the gap hid
KEPT, RETITLED, DOOMED, NEW, CAROLS = (tid(1_764_633_500_000_000 + i) for i in range(5))


def account(plc: PlcDirectory, pds: Pds, handle: str) -> str:
    identity = make_identity()
    plc.put(did_document(identity, pds=pds.url, handle=handle))
    pds.add_repo(identity.did, rev=REV)
    return identity.did


def titles(rows: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """rkey -> (title, deleted) of every track."""
    return {r["uri"].rsplit("/", 1)[1]: (r["title"], r["deleted_at"]) for r in rows["tracks"]}


async def test_a_gap_backfill_reads_again_the_repos_that_moved(
    database: Database,
    database_url: str,
    plc_directory: PlcDirectory,
    pds: Pds,
    relay: Relay,
    did_resolver: DidResolver,
    xrpc: XrpcClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = account(plc_directory, pds, "alice.example.com")
    carol = account(plc_directory, pds, "carol.example.com")
    pds.put_record(alice, TRACKS, KEPT, track_record("Kept"))
    pds.put_record(alice, TRACKS, RETITLED, track_record("Old title"))
    pds.put_record(alice, TRACKS, DOOMED, track_record("Doomed"))
    pds.put_record(carol, TRACKS, CAROLS, track_record("Carol's", "Carol"))
    relay.add(TRACKS, alice, carol)
    day_one = await backfill(database, xrpc, did_resolver, BackfillOptions(relay=relay.url))
    assert (day_one.failed, day_one.results) == ({}, {"applied": 4})

    # A gap the stream could not replay hid three commits to alice's repo; carol's did
    # not move.
    pds.set_rev(alice, GAP_REV)
    pds.put_record(alice, TRACKS, RETITLED, track_record("New title"))
    pds.put_record(alice, TRACKS, NEW, track_record("Made in the gap"))
    pds.delete_record(alice, TRACKS, DOOMED)
    await record_follow_gap(database, 1, 2)
    before = pds.requests.copy()

    monkeypatch.setenv("SEGUE_DATABASE_URL", database_url)
    monkeypatch.setenv("SEGUE_PLC_URL", plc_directory.url)
    result = await asyncio.to_thread(
        # the PDS stand-in is on loopback: the CLI's ATProto client is told to allow it
        partial(CliRunner().invoke, obj=STANDINS),
        app,
        ["follow", "backfill", "--relay", relay.url],
    )
    assert result.exit_code == 0, result.output
    # alice's three tracks applied again at the new rev, the deleted one gone.
    assert "2/2 repositories, 3 records (3 applied, 1 deleted)" in result.output
    rows = await dump(database)
    assert titles(rows) == {
        CAROLS: ("Carol's", False),
        KEPT: ("Kept", False),
        RETITLED: ("New title", False),
        DOOMED: ("Doomed", True),
        NEW: ("Made in the gap", False),
    }
    alice_revs = {r["rev"] for r in rows["follow_records"] if alice in r["uri"]}
    assert alice_revs == {GAP_REV}
    assert {r["rev"] for r in rows["follow_records"] if carol in r["uri"]} == {REV}
    assert all(r["done"] for r in rows["follow_backfill"])
    # Read whole, the gap is filled: forgotten.
    assert await follow_gap(database) is None
    # Each repo's rev asked once; only alice's collections listed (a page of her tracks,
    # the empty page after it, her empty lists); carol's not at all.
    assert pds.requests["getLatestCommit"] - before["getLatestCommit"] == 2
    assert pds.requests["listRecords"] - before["listRecords"] == 3

    # Nothing moved since: nothing is listed again.
    listed = pds.requests["listRecords"]
    again = await backfill(database, xrpc, did_resolver, BackfillOptions(relay=relay.url))
    assert (again.failed, again.records) == ({}, 0)
    assert pds.requests["listRecords"] == listed


async def test_a_cursor_that_comes_back_fails_the_repo(
    database: Database,
    plc_directory: PlcDirectory,
    pds: Pds,
    did_resolver: DidResolver,
    xrpc: XrpcClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mallory = account(plc_directory, pds, "mallory.example.com")
    bob = account(plc_directory, pds, "bob.example.com")
    for i in range(3):
        pds.put_record(mallory, TRACKS, tid(1_764_633_500_000_000 + i), track_record(f"T{i}"))
    # Every page says "more after 'same'", and 'same' gives the first page again.
    pds.stuck_cursor = "same"
    async with asyncio.timeout(60):  # before the fix: it never ended
        stats = await backfill(database, xrpc, did_resolver, BackfillOptions(dids=(mallory, bob)))
    assert list(stats.failed) == [mallory]
    assert "gave a cursor already asked ('same')" in stats.failed[mallory]
    assert pds.url in stats.failed[mallory]
    assert any(mallory in r.getMessage() and pds.url in r.getMessage() for r in caplog.records)
    assert stats.repos == 2
    # mallory's first page and the same again; bob's two empty collections
    assert pds.requests["listRecords"] == 2 + 2
    rows = await dump(database)
    assert len(rows["tracks"]) == 3  # the first page, once


async def test_more_records_than_the_bound_fail_the_repo(
    database: Database,
    plc_directory: PlcDirectory,
    pds: Pds,
    did_resolver: DidResolver,
    xrpc: XrpcClient,
) -> None:
    alice = account(plc_directory, pds, "alice.example.com")
    for i in range(250):
        pds.put_record(alice, TRACKS, tid(1_764_633_500_000_000 + i), track_record(f"T{i}"))
    stats = await backfill(
        database,
        xrpc,
        did_resolver,
        BackfillOptions(dids=(alice,), max_records_per_collection=150),
    )
    assert list(stats.failed) == [alice]
    assert "went past 150 records" in stats.failed[alice]
    assert len((await dump(database))["tracks"]) == 100  # the page within the bound
