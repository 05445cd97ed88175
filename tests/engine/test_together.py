"""The co-occurrence strategy (issue 25): blend's orders plus one more ranked list."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segue.engine import (
    Blend,
    CooccurrenceSample,
    Neighbors,
    Together,
    cooccurrence_list,
    cooccurrence_of,
    cooccurrence_ranking,
    get_strategy,
    playlist_weights,
)


def _lists(rng, n_lists=4, size=30, universe=200):
    out = []
    for _ in range(n_lists):
        ids = rng.choice(universe, size, replace=False).astype(np.int64) + 1000
        out.append(Neighbors(ids, np.sort(rng.random(size).astype(np.float32))))
    return out


def _plan(seed=0):
    vectors = np.random.default_rng(seed).normal(size=(12, 8)).astype(np.float32)
    return Blend().plan(vectors, limit=20, n_excluded=12, max_top_k=1000)


@given(st.integers(0, 10_000))
def test_without_a_list_it_ranks_exactly_as_blend(seed):
    rng = np.random.default_rng(seed)
    plan = _plan(seed % 7)
    lists = _lists(rng, n_lists=len(plan))
    exclude = np.array([1000, 1001], np.int64)
    want = Blend().rank(plan, lists, exclude=exclude, limit=50)
    for got in (
        Together().rank(plan, lists, exclude=exclude, limit=50),
        Together().rank_with(plan, lists, None, exclude=exclude, limit=50),
        Together(cooccurrence_weight=0.0).rank_with(
            plan, lists, Neighbors.empty(), exclude=exclude, limit=50
        ),
    ):
        assert got.ids.tolist() == want.ids.tolist()
        np.testing.assert_array_equal(got.scores, want.scores)


def test_the_list_lifts_what_people_put_together_and_brings_in_new_candidates():
    rng = np.random.default_rng(3)
    plan = _plan()
    lists = _lists(rng, n_lists=len(plan))
    audio = Blend().rank(plan, lists, exclude=np.empty(0, np.int64), limit=500).ids
    low, outside = int(audio[-1]), 99  # the audio's last candidate; one it never reached
    # Far by sound (distance 2), so no candidate's best distance, the tie-break, moves.
    together = Neighbors(np.array([outside, low]), np.full(2, 2.0, np.float32))
    got = Together().rank_with(plan, lists, together, exclude=np.empty(0, np.int64), limit=500)
    ids = got.ids.tolist()
    assert outside in ids
    assert outside not in audio.tolist()
    assert ids.index(low) < audio.tolist().index(low)
    # Weight 0: the list brings its tracks in, last, and moves nothing else.
    zero = Together(cooccurrence_weight=0.0).rank_with(
        plan, lists, together, exclude=np.empty(0, np.int64), limit=500
    )
    assert zero.ids.tolist()[: audio.size] == audio.tolist()
    # An excluded track never comes back, whichever list holds it.
    gone = Together().rank_with(plan, lists, together, exclude=np.array([outside]), limit=500)
    assert outside not in gone.ids.tolist()


def test_a_track_in_no_playlist_keeps_its_audio_score():
    """A new upload (in no other playlist) scores what blend gives it; up to weight 2 a
    track found only by co-occurrence, even first there, never scores above the track
    that is first by both audio orders (at 2 they tie, and the nearer by sound wins)."""
    rng = np.random.default_rng(5)
    plan = _plan()
    lists = _lists(rng, n_lists=len(plan))
    blend = Blend().rank(plan, lists, exclude=np.empty(0, np.int64), limit=500)
    together = Neighbors(np.array([77, 78]), np.full(2, 2.0, np.float32))
    got = Together(cooccurrence_weight=2.0).rank_with(
        plan, lists, together, exclude=np.empty(0, np.int64), limit=500
    )
    score_of = dict(zip(got.ids.tolist(), got.scores.tolist(), strict=True))
    for track, score in zip(blend.ids.tolist(), blend.scores.tolist(), strict=True):
        assert score_of[track] == pytest.approx(score)
    # Found only by co-occurrence, first there: 2 / (k + 1), what first by both audio
    # orders scores, never more.
    k = Together().rrf_k
    assert score_of[77] == pytest.approx(2.0 / (k + 1))
    assert score_of[78] == pytest.approx(2.0 / (k + 2))


def test_cooccurrence_ranking_sums_votes_and_breaks_ties_by_id():
    tracks = np.array([5, 6, 5, 7, 8, 8, 3])
    weights = np.array([1.0, 2.0, 1.0, 0.5, 0.25, 0.25, 2.0])
    assert cooccurrence_ranking(tracks, weights, limit=10).tolist() == [3, 5, 6, 7, 8]
    assert cooccurrence_ranking(tracks, weights, exclude=[3], limit=2).tolist() == [5, 6]
    with pytest.raises(ValueError, match="one weight"):
        cooccurrence_ranking(tracks, weights[:2], limit=1)


def test_playlist_weights_and_the_sample_bounds():
    assert playlist_weights([1, 4, 100], length_exponent=0.5).tolist() == [1.0, 0.5, 0.1]
    assert playlist_weights([3, 9], length_exponent=0.0).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="at least one item"):
        playlist_weights([0])
    assert CooccurrenceSample().max_rows == 10 * 20 * 200
    with pytest.raises(ValueError, match="playlists_per_seed"):
        CooccurrenceSample(playlists_per_seed=0)
    with pytest.raises(ValueError, match="cooccurrence_weight"):
        Together(cooccurrence_weight=-1.0)


def test_registered_and_named_with_its_constants():
    strategy = get_strategy("together", cooccurrence_weight=1.5)
    assert isinstance(strategy, Together)
    assert cooccurrence_of(strategy) == CooccurrenceSample()
    assert cooccurrence_of(Blend()) is None
    # The repr is the cache key's config: every constant of the read is in it.
    assert "cooccurrence_weight=1.5" in repr(strategy)
    assert "playlists_per_seed=20" in repr(strategy)
    assert repr(Together()) != repr(Together(cooccurrence=CooccurrenceSample(limit=50)))


def test_cooccurrence_list_carries_vectors_and_distance_to_the_closest_seed():
    seeds = np.array([[1, 0], [0, 1]], np.float32)
    got = cooccurrence_list(np.array([9, 8]), np.array([[0, 2], [1, 0.01]], np.float32), seeds)
    assert got.ids.tolist() == [9, 8]
    assert got.vectors is not None
    assert got.vectors.shape == (2, 2)
    assert got.distances[0] == pytest.approx(0.0, abs=1e-6)
    assert len(cooccurrence_list(np.empty(0, np.int64), np.empty((0, 2), np.float32), seeds)) == 0
