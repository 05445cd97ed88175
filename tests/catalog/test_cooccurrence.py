"""The co-occurrence read (issue 25), on PostgreSQL and SQLite: what may contribute and
appear, its bounds, and the same answer as the engine's scoring of the same playlists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from segue.catalog import CooccurrenceRead, Database, cooccurring_tracks
from segue.catalog._models import Artist, Playlist, PlaylistItem, Track
from segue.engine import CooccurrenceSample
from segue.evaluation import EvalPlaylist, build_corpus

from .conftest import DELETED, HIDDEN, Seeded

WIDE = CooccurrenceRead(
    max_seeds=25, playlists_per_seed=50, items_per_playlist=200, limit=100, length_exponent=0.5
)


async def add_playlists(
    database: Database, owner: str, lists: Mapping[str, Sequence[int]], hidden: Sequence[str] = ()
) -> None:
    async with database.sessionmaker() as s:
        for pid in lists:
            s.add(
                Playlist(
                    id=pid, owner_did=owner, name=pid, record_cid="bafy", visible=pid not in hidden
                )
            )
        await s.flush()
        for pid, tracks in lists.items():
            s.add_all(
                PlaylistItem(playlist_id=pid, track_id=t, position=i) for i, t in enumerate(tracks)
            )
        await s.commit()


async def read(database: Database, pid: str, seeds: Sequence[int], sample=WIDE) -> list[int]:
    async with database.reading() as conn:
        return list(await cooccurring_tracks(conn, pid, seeds, sample))


async def test_other_playlists_suggest_what_they_hold_with_the_seeds(
    database: Database, seeded: Seeded
) -> None:
    owner = seeded.alice.did
    await add_playlists(
        database,
        owner,
        {
            "mine": [1, 7],
            "short": [1, 2],  # 2 with 1 in a short playlist: the strongest vote
            "long": [1, 3, 4, 2],
            "hidden-list": [1, 4],  # would lift 4 above 3
            "with-gone": [1, HIDDEN, DELETED],
            "unrelated": [3, 4],
        },
        hidden=["hidden-list"],
    )
    got = await read(database, "mine", [1, 7])
    # 2: 1/sqrt(2) + 1/sqrt(4); 3 and 4: 1/sqrt(4) each (ties by id). Never the playlist's
    # own items (1, 7), hidden or deleted tracks, nor anything only a hidden playlist holds.
    assert got == [2, 3, 4]
    # Asked from another playlist, "mine" is one of the others.
    assert await read(database, "unrelated", [3, 4]) == [1, 2]
    assert await read(database, "mine", []) == []


async def test_hidden_playlists_and_the_playlist_itself_never_contribute(
    database: Database, seeded: Seeded
) -> None:
    await add_playlists(
        database,
        seeded.alice.did,
        {"mine": [1, 2], "secret": [1, 3]},
        hidden=["secret"],
    )
    assert await read(database, "mine", [1]) == []
    # Seen from "secret" (as if it were asked about), "mine" is another visible playlist.
    assert await read(database, "secret", [1]) == [2]


async def test_the_read_is_bounded_per_seed_per_playlist_and_in_length(
    database: Database, seeded: Seeded
) -> None:
    lists = {f"p{i:02d}": [1, 2, 3, 4] for i in range(6)}
    lists["mine"] = [1]
    await add_playlists(database, seeded.alice.did, lists)
    few = CooccurrenceRead(
        max_seeds=1, playlists_per_seed=2, items_per_playlist=2, limit=5, length_exponent=0.5
    )
    # Two playlists per seed, their items at positions 0 and 1 only: just track 2.
    assert await read(database, "mine", [1], few) == [2]
    one = CooccurrenceRead(
        max_seeds=25, playlists_per_seed=50, items_per_playlist=200, limit=1, length_exponent=0
    )
    assert await read(database, "mine", [1], one) == [2]


async def test_popular_tracks_are_damped_by_their_visible_playlists_up_to_the_cap(
    database: Database, seeded: Seeded
) -> None:
    lists: dict[str, list[int]] = {"mine": [1]}
    lists.update({f"with{i}": [1, 2] for i in range(4)})  # 2: four votes
    lists["once"] = [1, 3]  # 3: one vote
    lists.update({f"only{i}": [2] for i in range(6)})  # 2 in 10 playlists in all
    lists.update({f"secret{i}": [3] for i in range(3)})  # hidden: 3 is still in one
    await add_playlists(database, seeded.alice.did, lists, hidden=[f"secret{i}" for i in range(3)])
    base: dict[str, Any] = {
        "max_seeds": 5,
        "playlists_per_seed": 50,
        "items_per_playlist": 200,
        "limit": 5,
    }
    plain = CooccurrenceRead(**base, length_exponent=0)
    assert await read(database, "mine", [1], plain) == [2, 3]
    # 4 / 10 against 1 / 1
    damped = CooccurrenceRead(**base, length_exponent=0, popularity_exponent=1.0)
    assert await read(database, "mine", [1], damped) == [3, 2]
    # counted up to 2 playlists: 4 / 2 against 1 / 1
    capped = CooccurrenceRead(**base, length_exponent=0, popularity_exponent=1.0, popularity_cap=2)
    assert await read(database, "mine", [1], capped) == [2, 3]
    # only the best by votes is damped: a pool of one keeps 2 alone
    pooled = CooccurrenceRead(**base, length_exponent=0, popularity_exponent=1.0, popularity_pool=1)
    assert await read(database, "mine", [1], pooled) == [2]


async def test_seeds_spread_over_the_playlist(database: Database, seeded: Seeded) -> None:
    await add_playlists(database, seeded.alice.did, {"mine": [1, 2, 7], "a": [1, 3], "e": [7, 4]})
    base: dict[str, Any] = {"playlists_per_seed": 50, "items_per_playlist": 200, "limit": 5}
    last = CooccurrenceRead(max_seeds=2, **base, length_exponent=0)
    spread = CooccurrenceRead(max_seeds=2, **base, length_exponent=0, spread_seeds=True)
    # the last two seeds (2, 7) against the first and the last (1, 7)
    assert await read(database, "mine", [1, 2, 7], last) == [4]
    assert await read(database, "mine", [1, 2, 7], spread) == [3, 4]


async def test_the_catalog_and_the_evaluation_corpus_agree(
    database: Database, seeded: Seeded
) -> None:
    """Random playlists over many tracks: the SQL read and the evaluation's numpy read
    (segue.engine.cooccurrence_ranking) give the same tracks, in the same order, up to
    float ties."""
    rng = np.random.default_rng(7)
    n_tracks = 60
    async with database.sessionmaker() as s:
        s.add(Artist(did="did:plc:many", handle="many.example.com", display_name=None))
        s.add_all(
            Track(id=100 + t, title=f"T{t}", artist_did="did:plc:many") for t in range(n_tracks)
        )
        await s.commit()
    lists: dict[str, list[int]] = {}
    for p in range(40):
        size = int(rng.integers(2, 12))
        # Popular tracks (low ids) are in many playlists.
        chosen = np.unique(np.minimum(rng.zipf(1.6, size=size), n_tracks) - 1)
        lists[f"q{p:02d}"] = [100 + int(t) for t in rng.permutation(chosen)]
    await add_playlists(database, seeded.alice.did, lists)
    corpus = build_corpus([EvalPlaylist(pid, np.array(t)) for pid, t in lists.items()])
    # The catalog's per-seed cap follows its index order, the corpus its file order: with a
    # cap above any track's playlists both read every holder. Integer votes (exponent 0)
    # sum exactly, so the order and the cut at `limit` must match to the last tie; with
    # 1/sqrt(n) votes float sums may tie differently, so all tracks, as a set.
    # Damped by popularity (a pool of 12 of the best by votes, then 6 of them): the
    # order is of floats, compared as sets; spread seeds.
    undamped = {"popularity_exponent": 0.0}
    for exponent, limit, more in (
        (0.0, 10, undamped),
        (0.5, 100, undamped),
        (0.0, 6, {"popularity_exponent": 0.5, "popularity_pool": 12, "spread_seeds": True}),
    ):
        bounds: dict[str, Any] = {
            "max_seeds": 3,
            "playlists_per_seed": 50,
            "items_per_playlist": 5,
            **more,
        }
        sample = CooccurrenceSample(**bounds, limit=limit, length_exponent=exponent)
        read_as = CooccurrenceRead(**bounds, limit=limit, length_exponent=exponent)
        exact = exponent == 0 and more is undamped
        found = 0
        for pid, tracks in list(lists.items())[:12]:
            want = corpus.cooccurring(pid, np.array(tracks), sample).tolist()
            got = await read(database, pid, tracks, read_as)
            assert (got if exact else sorted(got)) == (want if exact else sorted(want)), pid
            found += len(want) > 2
        assert found >= 6  # most playlists share tracks: the comparison is not of empties


async def test_tracks_never_suggested_never_appear(database: Database, seeded: Seeded) -> None:
    """A labelled or supporter-gated track (``suggestible`` false, set by segue follow)
    stays in playlists but never comes back from other playlists."""
    await add_playlists(database, seeded.alice.did, {"mine": [1], "other": [1, 2, 3]})
    assert await read(database, "mine", [1]) == [2, 3]
    async with database.sessionmaker() as s:
        track = await s.get(Track, 2)
        assert track is not None
        track.suggestible = False
        await s.commit()
    assert await read(database, "mine", [1]) == [3]
