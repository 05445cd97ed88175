"""What a miss caches (``recommendations._shape.shape``), on a real catalog (PostgreSQL and
SQLite): the rules on the tracks shown, hidden tracks in their places, dismissed and
unknown tracks out, and a longer ranking that keeps the shorter one it extends."""

from __future__ import annotations

import numpy as np
import pytest

from segue.cache import CachedRanking
from segue.catalog import Database, PlaylistSeeds
from segue.catalog._models import Artist, Track
from segue.engine import NO_REASON, Ranking
from segue.recommendations._shape import shape

A, B, C = "did:plc:a", "did:plc:b", "did:plc:c"
# id: (artist, title, visible)
TRACKS = {
    1: (A, "Seed", True),
    2: (A, "Seed (Remastered 2011)", True),  # the seed again
    3: (A, "One", True),
    4: (A, "Two", True),
    5: (B, "One", True),  # another artist's "One": not a duplicate
    6: (A, "ONE!", True),  # artist A's "One" again
    7: (C, "Three", False),  # hidden
    8: (A, "Four", True),
    9: (B, "Five", True),
}


@pytest.fixture
async def catalog(database: Database) -> Database:
    async with database.sessionmaker() as s:
        s.add_all(Artist(did=d, handle=f"{d[-1]}.example.com") for d in (A, B, C))
        s.add_all(
            Track(id=i, title=title, artist_did=artist, visible=visible)
            for i, (artist, title, visible) in TRACKS.items()
        )
        await s.commit()
    return database


def ranking(ids: list[int], because: int = 1) -> Ranking:
    n = len(ids)
    return Ranking(
        ids=np.array(ids, dtype=np.int64),
        scores=np.linspace(1, 0, n),
        distances=np.zeros(n, dtype=np.float32),
        because=np.full(n, because, dtype=np.int64),
    )


SEEDS = PlaylistSeeds(
    id="p",
    owner_did="did:plc:me",
    record_cid="bafyreix",
    seeds_generation=0,
    index_generation=0,
    item_ids=(1,),
    seed_ids=(1,),
    seed_titles=((A, "Seed"),),
    dismissed_ids=(9,),
)


async def shaped(
    database: Database,
    r: Ranking,
    *,
    max_per_artist: int = 0,
    before: CachedRanking | None = None,
) -> CachedRanking:
    async with database.reading() as conn:
        return await shape(conn, r, SEEDS, asked=10, max_per_artist=max_per_artist, before=before)


async def test_duplicates_dismissed_and_unknown_tracks_are_left_out(catalog: Database):
    got = await shaped(catalog, ranking([2, 3, 5, 6, 9, 999, 4]))
    assert got == [3, 5, 4]
    assert got.because == [1, 1, 1]
    assert (got.asked, got.complete) == (10, True)  # 7 back for 10 asked: no more


async def test_a_hidden_track_keeps_its_place_and_not_its_artists_slot(catalog: Database):
    got = await shaped(catalog, ranking([3, 7, 4, 8, 5]), max_per_artist=1)
    # 7 (hidden) stays second; the shown ones are varied around it: A, B, then A again.
    assert got == [3, 7, 5, 4, 8]


async def test_a_longer_ranking_keeps_the_shorter_one_it_extends(catalog: Database):
    before = CachedRanking([4, 3], because=[1, 1], asked=2)
    got = await shaped(catalog, ranking([3, 6, 8, 4, 5], because=2), before=before)
    # 4 and 3 as they were; 6 repeats 3's title; 8 and 5 are new
    assert got == [4, 3, 8, 5]
    assert got.because == [1, 1, 2, 2]
    assert got.asked == 10
    old = CachedRanking([4])  # an entry stored without because ids
    got = await shaped(catalog, ranking([8], because=2), before=old)
    assert (list(got), got.because) == ([4, 8], [NO_REASON, 2])
