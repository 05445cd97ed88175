"""The co-occurrence list through the pipeline and the service (issue 25): two store
round trips still, "because" a playlist track, and from the catalog only what may
contribute."""

from __future__ import annotations

import numpy as np
import pytest

from segue.cache import NullCache
from segue.catalog import Database, ensure_user
from segue.catalog._models import Artist, Playlist, PlaylistItem, Track
from segue.engine import Blend, Together
from segue.ingest import synthetic_catalog
from segue.recommendations import PageRequest, Recommender, recommend

from .test_pipeline import CountingStore


@pytest.fixture
async def store(tmp_path):
    cat = synthetic_catalog(600, dim=16, n_styles=4, n_artists=60, seed=1)
    s = CountingStore(tmp_path / "v.usearch")
    await s.upsert(cat.ids, cat.vectors)
    s.calls.clear()
    s.catalog = cat
    return s


def _playlist_and_stranger(cat, n=8):
    mine = cat.ids[cat.style == 0][:n]
    stranger = int(cat.ids[cat.style == 2][0])  # far by sound from every seed
    return mine, stranger


async def test_a_co_occurring_track_comes_in_with_a_playlist_track_as_because(store):
    cat = store.catalog
    mine, stranger = _playlist_and_stranger(cat)
    audio = await recommend(store, mine, limit=20, strategy=Blend())
    assert stranger not in audio.ids.tolist()
    store.calls.clear()
    missing = 10**9  # a track without an embedding: left out, never an error
    got = await recommend(
        store, mine, limit=20, strategy=Together(), together=[stranger, missing, int(mine[0])]
    )
    assert store.calls == ["get_vectors", "query_many[4]"]
    ids = got.ids.tolist()
    assert stranger in ids[:5]  # first by co-occurrence, weight 2: near the top
    assert missing not in ids
    assert int(mine[0]) not in ids
    assert set(got.because.tolist()) <= set(mine.tolist())
    # Another strategy ignores the list: the same answer as without it.
    plain = await recommend(store, mine, limit=20, strategy=Blend(), together=[stranger])
    assert plain.ids.tolist() == audio.ids.tolist()


async def test_near_duplicates_from_the_list_are_dropped(store):
    cat = store.catalog
    mine, _ = _playlist_and_stranger(cat)
    copy = 50_000
    await store.upsert(np.array([copy]), cat.vectors[cat.ids == mine[0]])
    got = await recommend(store, mine, limit=20, strategy=Together(), together=[copy])
    assert copy not in got.ids.tolist()


async def test_the_service_reads_the_list_from_visible_playlists(database: Database, store):
    cat = store.catalog
    mine, stranger = _playlist_and_stranger(cat)
    secret = int(cat.ids[cat.style == 3][0])  # only a hidden playlist holds it with a seed
    hidden_track = int(cat.ids[cat.style == 2][1])  # hidden: never suggested
    async with database.sessionmaker() as s:
        await ensure_user(s, "did:plc:alice", "alice.example.com", None)
        await ensure_user(s, "did:plc:bob", "bob.example.com", None)
        s.add_all(
            Artist(did=f"did:plc:a{a}", handle=f"a{a}.example.com", display_name=None)
            for a in np.unique(cat.artist).tolist()
        )
        s.add_all(
            Track(
                id=int(t),
                title=f"Song {int(t)}",
                artist_did=f"did:plc:a{int(cat.artist[i])}",
                visible=int(t) != hidden_track,
            )
            for i, t in enumerate(cat.ids)
        )
        for pid, owner, visible in (
            ("mine", "did:plc:alice", True),
            ("other", "did:plc:bob", True),
            ("secret", "did:plc:bob", False),
        ):
            s.add(Playlist(id=pid, owner_did=owner, name=pid, record_cid="bafy", visible=visible))
        await s.flush()
        items = {
            "mine": [int(t) for t in mine],
            "other": [int(mine[0]), stranger, hidden_track],
            "secret": [int(mine[1]), secret],
        }
        s.add_all(
            PlaylistItem(playlist_id=pid, track_id=t, position=i)
            for pid, tracks in items.items()
            for i, t in enumerate(tracks)
        )
        await s.commit()
    recommender = Recommender(
        database=database,
        store=store,
        cache=NullCache(),
        strategy=Together(),
        fallback=Blend(),
        max_per_artist=0,
    )
    page = await recommender.recommend("mine", PageRequest(10), user_did="did:plc:alice")
    shown = [t.id for t in page.tracks]
    assert stranger in shown
    assert secret not in shown
    assert hidden_track not in shown
    by_id = {t.id: t for t in page.tracks}
    because = by_id[stranger].because
    assert because is not None
    assert because.track_id in items["mine"]
    # Blend alone does not reach it: the catalog's list brought it.
    plain = Recommender(
        database=database, store=store, cache=NullCache(), strategy=Blend(), fallback=Blend()
    )
    blend_page = await plain.recommend("mine", PageRequest(10), user_did="did:plc:alice")
    assert stranger not in [t.id for t in blend_page.tracks]
