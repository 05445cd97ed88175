"""Embedding state in the catalog: the one rule every writer of tracks goes through, the
queue's leases, and the counts `segue check` reports; on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from segue.catalog import (
    Database,
    claim_embeddings,
    embedding_counts,
    fail_embedding,
    failed_embeddings,
    finish_embeddings,
    mark_vectors_imported,
    note_audio_sources,
    reconcile_audio_sources,
    release_embeddings,
    upsert_tracks,
)
from segue.catalog._models import EmbeddingState, Track
from segue.follow import TrackRecord, apply_follow

CDN = "https://cdn.example.com"
ORIGINS = (CDN,)
ARTIST = {"did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz", "handle": "alice.example.com"}
CID = "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"
BLOB = "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"


def track(track_id: int, audio_url: str | None = None, **more: Any) -> dict[str, Any]:
    return {
        "id": track_id,
        "title": f"T{track_id}",
        "artist_did": ARTIST["did"],
        "image_url": None,
        "audio_url": audio_url,
        "uri": None,
        "cid": None,
        **more,
    }


async def states(database: Database) -> dict[int, tuple[str, str | None, int]]:
    """track id -> (state, source, version)."""
    async with database.reading() as conn:
        rows = await conn.execute(
            sa.select(EmbeddingState.track_id, EmbeddingState.state, EmbeddingState.source,
                      EmbeddingState.version)
        )  # fmt: skip
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


async def write(database: Database, *tracks: dict[str, Any]) -> None:
    await upsert_tracks(database, [ARTIST], list(tracks), audio_origins=ORIGINS)


async def test_import_marks_trusted_sources_pending_and_only_those(database: Database) -> None:
    await write(
        database,
        track(1, f"{CDN}/1.mp3"),
        track(2, "https://elsewhere.example/2.mp3"),  # a preview on an untrusted origin
        track(3),
        track(4, "https://CDN.example.com/4.mp3"),  # the host's case does not matter
    )
    assert await states(database) == {
        1: ("pending", f"{CDN}/1.mp3", 0),
        4: ("pending", "https://CDN.example.com/4.mp3", 0),
    }
    assert await embedding_counts(database) == {"pending": 2, "done": 0, "failed": 0}


async def test_unchanged_source_keeps_state_and_a_changed_one_is_pending_again(
    database: Database,
) -> None:
    await write(database, track(1, f"{CDN}/a.mp3"), track(2, f"{CDN}/b.mp3"))
    [c1, c2] = await claim_embeddings(database, "w", limit=10, lease_seconds=60)
    assert await finish_embeddings(database, [(1, c1.version), (2, c2.version)], model="m") == {
        1,
        2,
    }
    await write(database, track(1, f"{CDN}/a.mp3"), track(2, f"{CDN}/b-v2.mp3"))
    assert await states(database) == {
        1: ("done", f"{CDN}/a.mp3", 0),
        2: ("pending", f"{CDN}/b-v2.mp3", 1),
    }
    # The worker that embedded the old audio of 2 cannot mark the new one done.
    assert await finish_embeddings(database, [(2, c2.version)], model="m") == set()
    assert (await states(database))[2][0] == "pending"


async def test_a_source_removed_drops_pending_but_keeps_done(database: Database) -> None:
    await write(database, track(1, f"{CDN}/a.mp3"), track(2, f"{CDN}/b.mp3"))
    claims = await claim_embeddings(database, "w", limit=1, lease_seconds=60)
    await finish_embeddings(database, [(c.track_id, c.version) for c in claims], model="m")
    await write(database, track(1), track(2))
    assert await states(database) == {1: ("done", f"{CDN}/a.mp3", 0)}


async def test_imported_vectors_are_done_even_before_the_source_arrives(
    database: Database,
) -> None:
    await write(database, track(1, f"{CDN}/a.mp3"))
    await mark_vectors_imported(database, [1, 2])  # 2: vectors before their track
    await write(database, track(2, f"{CDN}/b.mp3"))
    got = await states(database)
    assert got[1][0] == "done"
    assert got[2][:2] == ("done", f"{CDN}/b.mp3")
    assert await embedding_counts(database) == {"pending": 0, "done": 2, "failed": 0}
    # A later change of audio is new audio: embedded again.
    await write(database, track(2, f"{CDN}/b-remaster.mp3"))
    assert (await states(database))[2][0] == "pending"


async def test_blob_source_wins_over_the_url_and_follow_goes_through_the_rule(
    database: Database,
) -> None:
    record = TrackRecord(
        "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/fm.plyr.track/3lbtrack22222",
        ARTIST["did"], "3lbrev0000001", CID, 10, "T", "A", None, f"{CDN}/t.mp3",
    )  # fmt: skip
    await apply_follow(database, [record], cursor=10, audio_origins=ORIGINS)
    [(track_id, (state, source, _))] = (await states(database)).items()
    assert (state, source) == ("pending", f"{CDN}/t.mp3")
    # The record's audio blob (what issue 21's follow writes) is the canonical audio.
    async with database.sessionmaker.begin() as session:
        await session.execute(
            sa.update(Track)
            .where(Track.id == track_id)
            .values(audio_blob_did=ARTIST["did"], audio_blob_cid=BLOB)
        )
        await note_audio_sources(session, [track_id], audio_origins=ORIGINS)
    assert (await states(database))[track_id][:2] == ("pending", f"blob:{ARTIST['did']}/{BLOB}")


async def test_reconcile_picks_up_tracks_after_the_origins_change(database: Database) -> None:
    await write(database, track(1, "https://later.example/1.mp3"), track(2, f"{CDN}/2.mp3"))
    assert set(await states(database)) == {2}
    changed = await reconcile_audio_sources(database, audio_origins=("https://later.example",))
    assert changed == 2  # 1 becomes pending, 2 is no longer a source
    assert await states(database) == {1: ("pending", "https://later.example/1.mp3", 0)}
    assert await reconcile_audio_sources(database, audio_origins=("https://later.example",)) == 0


async def test_claims_are_disjoint_and_a_lease_runs_out(database: Database) -> None:
    await write(database, *(track(i, f"{CDN}/{i}.mp3") for i in range(1, 7)))
    first = await claim_embeddings(database, "a", limit=4, lease_seconds=0.5)
    second = await claim_embeddings(database, "b", limit=4, lease_seconds=60)
    assert [c.track_id for c in first] == [1, 2, 3, 4]
    assert [c.track_id for c in second] == [5, 6]
    assert await claim_embeddings(database, "c", limit=4, lease_seconds=60) == []
    await asyncio.sleep(0.6)  # worker "a" died: its lease runs out
    # Any of them may be what killed it: they are claimed again one at a time.
    again = [await claim_embeddings(database, "c", limit=10, lease_seconds=60) for _ in range(4)]
    assert [[(c.track_id, c.attempt) for c in got] for got in again] == [
        [(1, 2)],
        [(2, 2)],
        [(3, 2)],
        [(4, 2)],
    ]
    await release_embeddings(database, "b", [5, 6])
    assert [c.attempt for c in await claim_embeddings(database, "d", limit=9, lease_seconds=9)] == [
        1,
        1,
    ]


async def test_failures_retry_later_then_fail_with_their_reason(database: Database) -> None:
    await write(database, track(1, f"{CDN}/1.mp3"), track(2, f"{CDN}/2.mp3"))
    [c1, c2] = await claim_embeddings(database, "w", limit=2, lease_seconds=60)
    assert await fail_embedding(database, c1, "HTTP 503", retry_in=30) == "pending"
    assert await fail_embedding(database, c2, "HTTP 404: not audio", retry_in=None) == "failed"
    # Not due yet: nothing to claim.
    assert await claim_embeddings(database, "w", limit=2, lease_seconds=60) == []
    assert await embedding_counts(database) == {"pending": 1, "done": 0, "failed": 1}
    [failed] = await failed_embeddings(database)
    assert (failed.track_id, failed.attempts, failed.reason) == (2, 1, "HTTP 404: not audio")
    assert failed.source == f"{CDN}/2.mp3"


async def test_deleted_tracks_are_neither_counted_nor_claimed(database: Database) -> None:
    await write(database, track(1, f"{CDN}/1.mp3"), track(2, f"{CDN}/2.mp3"))
    await upsert_tracks(
        database,
        [ARTIST],
        [track(2, f"{CDN}/2.mp3", deleted_at=datetime.now(UTC))],
        audio_origins=ORIGINS,
    )
    assert await embedding_counts(database) == {"pending": 1, "done": 0, "failed": 0}
    assert [
        c.track_id for c in await claim_embeddings(database, "w", limit=5, lease_seconds=5)
    ] == [1]


async def test_a_track_whose_workers_die_runs_out_of_attempts_and_fails(
    database: Database,
) -> None:
    await write(database, track(1, f"{CDN}/bomb.flac"), track(2, f"{CDN}/2.mp3"))
    [first] = await claim_embeddings(database, "w1", limit=1, lease_seconds=60, max_attempts=3)
    assert first.track_id == 1
    await fail_embedding(database, first, "HTTP 503", retry_in=0)
    # Its workers are killed while they hold it: the lease runs out and it is claimed again,
    # each claim one attempt, until the attempts are spent.
    for attempt in (2, 3):
        claims = await claim_embeddings(
            database, f"w{attempt}", limit=1, lease_seconds=0.2, max_attempts=3
        )
        assert [(c.track_id, c.attempt) for c in claims] == [(1, attempt)]
        await asyncio.sleep(0.3)
    # Not handed out a fourth time: failed, with the reason, and the next track claimed.
    claims = await claim_embeddings(database, "w4", limit=1, lease_seconds=60, max_attempts=3)
    assert [c.track_id for c in claims] == [2]
    assert (await states(database))[1][0] == "failed"
    [failed] = await failed_embeddings(database)
    assert (failed.track_id, failed.attempts) == (1, 3)
    assert "its 3 attempts are spent" in (failed.reason or "")
    assert "stopping while embedding it" in (failed.reason or "")
    assert "an earlier one: HTTP 503" in (failed.reason or "")
    assert await embedding_counts(database) == {"pending": 1, "done": 0, "failed": 1}


async def test_a_crashing_worker_gives_its_leases_back_with_the_attempt_counted(
    database: Database,
) -> None:
    await write(database, *(track(i, f"{CDN}/{i}.mp3") for i in (1, 2, 3)))
    claims = await claim_embeddings(database, "w", limit=3, lease_seconds=60, max_attempts=2)
    await release_embeddings(database, "w", [c.track_id for c in claims], count_attempt=True)
    # Claimable at once, but one at a time: any of the three may be what crashed it.
    [one] = await claim_embeddings(database, "w", limit=3, lease_seconds=60, max_attempts=2)
    assert (one.track_id, one.attempt) == (1, 2)
    await release_embeddings(database, "w", [1], count_attempt=True)  # 1 crashes it again
    # 1 has spent its attempts: failed, not handed out; 2 and 3 are tried alone.
    assert [
        [(c.track_id, c.attempt) for c in await claim_embeddings(
            database, "w", limit=3, lease_seconds=60, max_attempts=2)]
        for _ in range(2)
    ] == [[(2, 2)], [(3, 2)]]  # fmt: skip
    assert await claim_embeddings(database, "w", limit=3, lease_seconds=60, max_attempts=2) == []
    assert await embedding_counts(database) == {"pending": 2, "done": 0, "failed": 1}
    # A clean stop gives leases back without counting the attempt, and they are no suspects.
    await release_embeddings(database, "w", [2, 3])
    assert [
        (c.track_id, c.attempt)
        for c in await claim_embeddings(database, "w", limit=3, lease_seconds=60, max_attempts=2)
    ] == [(2, 2), (3, 2)]
