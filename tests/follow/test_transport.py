"""The consumer's wire behaviour against the stand-in: several hosts in turn, reconnection
with a rewound cursor, a platform's own namespace, metrics."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from typer.testing import CliRunner

from segue.catalog import Database
from segue.cli import app
from segue.follow import Collections, FollowOptions, Jetstream, follow

from ..support import free_port
from .catalog_dump import dump
from .recording import LISTS, TRACKS, Recording, list_record, ref_of, track_record
from .standin import JetstreamStandIn
from .test_follow import ALICE, BOB, Story


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_dead_host_is_skipped_and_a_dropped_connection_resumes_rewound(
    database: Database,
) -> None:
    story = Story()
    dead = f"ws://127.0.0.1:{free_port()}"
    failed = sample("segue_follow_connections_total", result="failed")
    applied = sample("segue_follow_events_total", kind="track", result="applied")
    async with JetstreamStandIn(story.events, drop_after=5) as jetstream:
        stats = await follow(
            database,
            FollowOptions(
                urls=(dead, jetstream.url),
                once=True,
                idle_seconds=0.5,
                start_cursor=0,
                backoff_seconds=0.01,
            ),
        )
        first, second = jetstream.subscriptions[:2]
        fifth = jetstream.sent[4]["time_us"]
    assert first.cursor == 0
    assert (
        second.cursor == fifth - 15_000_000
    )  # rewound 15 s (the default) from the last event received
    assert stats.results["applied"] == 9  # as in one uninterrupted run
    assert sample("segue_follow_connections_total", result="failed") >= failed + 2
    assert sample("segue_follow_events_total", kind="track", result="applied") == applied + 4
    assert sample("segue_follow_lag_seconds") > 0


async def test_a_platform_namespace(database: Database) -> None:
    """A staging namespace follows its own collections and nothing of production's."""
    rec = Recording()
    prod = rec.commit(ALICE, TRACKS, "3lbprodtrack2", "create", track_record("Prod"))
    stg = rec.commit(ALICE, "fm.plyr.stg.track", "3lbstgtrack22", "create", track_record("Stg"))
    rec.commit(
        BOB,
        "fm.plyr.stg.list",
        "3lbstglist222",
        "create",
        list_record("Staging", [ref_of(stg), ref_of(prod)]),
    )
    namespace = Collections(track="fm.plyr.stg.track", playlist="fm.plyr.stg.list")
    async with JetstreamStandIn(rec.events) as jetstream:
        stats = await follow(
            database,
            FollowOptions(
                urls=(jetstream.url,),
                collections=namespace,
                once=True,
                idle_seconds=0.5,
                start_cursor=0,
            ),
        )
        assert jetstream.subscriptions[0].collections == ("fm.plyr.stg.track", "fm.plyr.stg.list")
    assert stats.applied == 2
    rows = await dump(database)
    assert [row["title"] for row in rows["tracks"]] == ["Stg"]
    # The production track is never sent: its item waits.
    assert len(rows["follow_list_items"]) == 2
    assert len(rows["playlist_items"]) == 1
    assert LISTS not in str(rows)


async def test_a_frame_nested_too_deep_is_skipped_not_a_crash(database: Database) -> None:
    """JSON nested deeper than Python's recursion limit (a record may hold anything
    Jetstream passes on) is one malformed event, and the events after it are applied."""
    rec = Recording()
    rec.commit(ALICE, TRACKS, "3lbbeforedeep", "create", track_record("Before"))
    after = rec.commit(ALICE, TRACKS, "3lbafterdeep2", "create", track_record("After"))
    depth = 100_000
    deep = {
        "kind": "frame",
        "time_us": after["time_us"] - 1,
        "_frame": '{"kind": "commit", "x": ' + "[" * depth + "]" * depth + "}",
    }
    events = [rec.events[0], deep, after]
    async with JetstreamStandIn(events) as jetstream:
        stats = await follow(
            database,
            FollowOptions(urls=(jetstream.url,), once=True, idle_seconds=0.5, start_cursor=0),
        )
    assert stats.results == {"applied": 2, "malformed": 1}
    rows = await dump(database)
    assert sorted(row["title"] for row in rows["tracks"]) == ["After", "Before"]


def test_subscription_addresses() -> None:
    jetstream = Jetstream(["wss://jetstream1.us-west.bsky.network/"], (TRACKS, LISTS))
    assert jetstream.urls == ["wss://jetstream1.us-west.bsky.network/subscribe"]
    assert jetstream.url(jetstream.urls[0], None) == (
        "wss://jetstream1.us-west.bsky.network/subscribe"
        "?wantedCollections=fm.plyr.track&wantedCollections=fm.plyr.list"
        "&maxMessageSizeBytes=4194304"
    )
    assert jetstream.url("ws://h:6008/subscribe?compress=false", 12) == (
        "ws://h:6008/subscribe?compress=false&wantedCollections=fm.plyr.track"
        "&wantedCollections=fm.plyr.list&maxMessageSizeBytes=4194304&cursor=12"
    )


def test_the_command_needs_a_jetstream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGUE_JETSTREAM_URL", raising=False)
    result = CliRunner().invoke(app, ["follow", "--once", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "give --jetstream URL, or set SEGUE_JETSTREAM_URL" in result.output
    bad = CliRunner().invoke(
        app, ["follow", "--jetstream", "ws://h", "--track-collection", "not an nsid"]
    )
    assert bad.exit_code == 2
    assert "not a collection NSID" in bad.output
    wrong = CliRunner().invoke(
        app, ["follow", "--jetstream", "https://h", "--data-dir", str(tmp_path)]
    )
    assert wrong.exit_code == 2
    assert "not a Jetstream address" in wrong.output
