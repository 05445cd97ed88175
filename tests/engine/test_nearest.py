"""because and near-duplicates: closest_seeds and explain, checked against brute force."""

import numpy as np
import pytest

from segue.engine import Neighbors, Ranking, closest_seeds, cosine_distances, explain


def brute(c, s):
    c64, s64 = c.astype(np.float64), s.astype(np.float64)
    sim = (c64 @ s64.T) / np.outer(np.linalg.norm(c64, axis=1), np.linalg.norm(s64, axis=1))
    return 1 - sim


def test_closest_seeds_matches_brute_force():
    rng = np.random.default_rng(0)
    c, s = rng.normal(size=(30, 7)).astype(np.float32), rng.normal(size=(5, 7)).astype(np.float32)
    idx, dist = closest_seeds(c, s)
    want = brute(c, s)
    assert idx.tolist() == want.argmin(1).tolist()
    np.testing.assert_allclose(dist, want.min(1), atol=1e-5)
    np.testing.assert_allclose(cosine_distances(c, s), want, atol=1e-5)


def test_zero_vectors_are_far_from_everything():
    d = cosine_distances(np.zeros((1, 3), np.float32), np.eye(3, dtype=np.float32))
    assert d.tolist() == [[1.0, 1.0, 1.0]]


def _setup():
    rng = np.random.default_rng(1)
    seeds = rng.normal(size=(3, 6)).astype(np.float32)
    seed_ids = np.array([100, 200, 300])
    cand = rng.normal(size=(8, 6)).astype(np.float32)
    cand[2] = seeds[1] * 3.0  # the same direction as seed 200: a near-duplicate
    ids = np.arange(10, 18)
    lists = [Neighbors(ids[:5], np.zeros(5, np.float32), cand[:5]),
             Neighbors(ids[3:], np.zeros(5, np.float32), cand[3:])]  # fmt: skip
    order = np.array([2, 0, 7, 1, 6, 3, 5, 4])
    ranking = Ranking.unexplained(ids[order], -np.arange(8.0), np.zeros(8, np.float32))
    return seeds, seed_ids, cand, ids, lists, ranking, order


def test_explain_drops_near_duplicates_and_fills_because():
    seeds, seed_ids, cand, ids, lists, ranking, order = _setup()
    out = explain(ranking, lists, seed_ids, seeds, limit=5, near_duplicate_distance=1e-4)
    assert out.ids.tolist() == ids[order[1:6]].tolist()
    assert out.scores.tolist() == [-1.0, -2.0, -3.0, -4.0, -5.0]
    want = seed_ids[brute(cand[order[1:6]], seeds).argmin(1)]
    assert out.because.tolist() == want.tolist()


def test_explain_threshold_zero_keeps_everything():
    seeds, seed_ids, _cand, _ids, lists, ranking, _order = _setup()
    out = explain(ranking, lists, seed_ids, seeds, limit=8, near_duplicate_distance=0.0)
    assert out.ids.tolist() == ranking.ids.tolist()
    assert out.because[0] == 200


def test_explain_needs_vectors_and_known_ids():
    seeds, seed_ids, _, ids, lists, ranking, _ = _setup()
    with pytest.raises(ValueError, match="vectors"):
        explain(ranking, [Neighbors(ids, np.zeros(8, np.float32))], seed_ids, seeds, limit=3)
    stray = Ranking.unexplained(np.array([999]), np.zeros(1), np.zeros(1, np.float32))
    with pytest.raises(ValueError, match="none of the lists"):
        explain(stray, lists, seed_ids, seeds, limit=3)


def test_ranking_arrays_must_agree_and_head_slices_because():
    r = Ranking(np.array([1, 2]), np.zeros(2), np.zeros(2, np.float32), np.array([5, 6]))
    assert r.head(1).because.tolist() == [5]
    assert Ranking.empty().because.size == 0
    with pytest.raises(ValueError, match="one entry per id"):
        Ranking(np.array([1, 2]), np.zeros(2), np.zeros(2, np.float32), np.array([5]))


def test_push_away_moves_queries_from_the_negatives():
    from segue.engine import push_away

    q = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]], np.float32)
    neg = np.array([[0.0, 2.0, 0.0]], np.float32)
    pushed = push_away(q, neg, weight=0.5)
    before = cosine_distances(q, neg)[:, 0]
    after = cosine_distances(pushed, neg)[:, 0]
    assert (after > before).all()
    assert push_away(q, neg, weight=0.0) is q
    assert push_away(q, neg[:0], weight=0.5) is q
    with pytest.raises(ValueError, match="non-negative"):
        push_away(q, neg, weight=-1)


def test_demote_near_negatives_keeps_both_groups_in_order():
    from segue.engine import demote_near_negatives

    seed = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    neg = np.array([0.05, 0.5, 0.01, 0.6, 0.2])
    assert demote_near_negatives(seed, neg, radius=0.1).tolist() == [1, 3, 4, 0, 2]
    assert demote_near_negatives(seed, neg, radius=1.0).tolist() == [1, 3, 0, 2, 4]
    assert demote_near_negatives(seed, neg, radius=0.0).tolist() == [0, 1, 2, 3, 4]


def test_explain_demotes_copies_of_negatives():
    seeds, seed_ids, cand, ids, lists, ranking, order = _setup()
    negatives = cand[order[1:2]] * 2.0  # a copy of the second-ranked candidate
    out = explain(ranking, lists, seed_ids, seeds, limit=8, near_duplicate_distance=1e-4,
                  negatives=negatives, negative_radius=1e-3)  # fmt: skip
    assert out.ids[-1] == ids[order[1]]
    assert out.ids[:-1].tolist() == ids[order[2:]].tolist()
