from collections.abc import Collection, Sequence

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segue.engine import Neighbors, Ranking, rrf_merge, weighted_rrf


def nb(ids, dists=None):
    ids = np.asarray(ids, np.int64)
    if dists is None:
        dists = np.linspace(0.1, 0.9, len(ids), dtype=np.float32)
    return Neighbors(ids, np.asarray(dists, np.float32))


def test_formula_matches_hand_computation():
    a = nb([10, 20, 30], [0.1, 0.2, 0.3])
    b = nb([20, 40], [0.05, 0.5])
    r = rrf_merge([a, b], k=60)
    expected = {10: 1 / 61, 20: 1 / 62 + 1 / 61, 30: 1 / 63, 40: 1 / 62}
    assert r.ids.tolist() == [20, 10, 40, 30]
    for i, s in zip(r.ids.tolist(), r.scores.tolist(), strict=True):
        assert s == pytest.approx(expected[i])


def test_equal_scores_break_by_distance_then_id():
    # 30 and 40 are both second in one list: equal scores, so the closer one (40) wins.
    a = nb([1, 30], [0.1, 0.4])
    b = nb([2, 40], [0.1, 0.3])
    r = rrf_merge([a, b])
    assert r.ids.tolist() == [1, 2, 40, 30]
    c = nb([5, 7], [0.2, 0.2])
    d = nb([6, 3], [0.2, 0.2])
    assert rrf_merge([c, d]).ids.tolist() == [5, 6, 3, 7]


def test_keeps_best_distance():
    r = rrf_merge([nb([1, 2], [0.1, 0.4]), nb([2], [0.2])])
    assert dict(zip(r.ids.tolist(), r.distances.tolist(), strict=True))[2] == pytest.approx(0.2)


def test_exclusion_and_limit():
    r = rrf_merge([nb([1, 2, 3, 4])], exclude=[2, 4], limit=1)
    assert r.ids.tolist() == [1]


def test_single_list_keeps_its_order():
    ids = [9, 3, 7, 1]
    assert rrf_merge([nb(ids)]).ids.tolist() == ids


def test_empty_inputs():
    assert len(rrf_merge([])) == 0
    assert len(rrf_merge([nb([])])) == 0
    assert len(rrf_merge([nb([1])], exclude=[1])) == 0


def test_repeated_id_in_one_list_votes_once():
    r = rrf_merge([nb([1, 1, 2], [0.1, 0.2, 0.3])])
    assert r.ids.tolist() == [1, 2]
    assert r.scores[0] == pytest.approx(1 / 61)


def test_k_must_be_non_negative():
    with pytest.raises(ValueError, match="k must"):
        rrf_merge([nb([1])], k=-1)


# -- properties -----------------------------------------------------------------------------

ranked_list = st.lists(st.integers(0, 40), max_size=15, unique=True).flatmap(
    lambda ids: st.lists(
        st.floats(0, 2, allow_nan=False, width=32), min_size=len(ids), max_size=len(ids)
    ).map(lambda ds: nb(ids, sorted(ds)))
)


@given(st.lists(ranked_list, max_size=5), st.sets(st.integers(0, 40), max_size=10))
def test_excluded_never_returned(lists, exclude):
    r = rrf_merge(lists, exclude=exclude)
    assert not set(r.ids.tolist()) & exclude
    returned = set(r.ids.tolist())
    assert returned == {i for lst in lists for i in lst.ids.tolist()} - exclude


@given(st.lists(ranked_list, max_size=5), st.randoms(use_true_random=False))
def test_independent_of_list_order(lists, rnd):
    shuffled = list(lists)
    rnd.shuffle(shuffled)
    a, b = rrf_merge(lists), rrf_merge(shuffled)
    assert a.ids.tolist() == b.ids.tolist()
    assert a.scores.tolist() == b.scores.tolist()
    assert a.distances.tolist() == b.distances.tolist()


@given(st.lists(ranked_list, min_size=1, max_size=5))
def test_best_distance_kept_and_scores_sorted(lists):
    r = rrf_merge(lists)
    best: dict[int, float] = {}
    for lst in lists:
        for i, d in zip(lst.ids.tolist(), lst.distances.tolist(), strict=True):
            best[i] = min(best.get(i, np.inf), d)
    assert dict(zip(r.ids.tolist(), r.distances.tolist(), strict=True)) == best
    assert all(np.diff(r.scores) <= 0)


# -- the fusion core: weighted_rrf, rrf_merge its unit-weight case ---------------------------


def rrf_merge_before(
    lists: Sequence[Neighbors], *, k: int = 60, exclude: Collection[int] = (), limit=None
) -> Ranking:
    """rrf_merge as it was before the fusion core (issue 15), verbatim: the oracle."""
    parts = [lst for lst in lists if len(lst)]
    if not parts:
        return Ranking.empty()
    ids_parts, rank_parts, dist_parts = [], [], []
    for lst in parts:
        _, first = np.unique(lst.ids, return_index=True)
        first.sort()
        ids_parts.append(lst.ids[first])
        rank_parts.append(first + 1)
        dist_parts.append(lst.distances[first])
    ids = np.concatenate(ids_parts).astype(np.int64, copy=False)
    ranks = np.concatenate(rank_parts)
    dists = np.concatenate(dist_parts).astype(np.float32, copy=False)
    excluded = np.asarray(list(exclude))
    if excluded.size:
        keep = ~np.isin(ids, excluded.astype(np.int64))
        ids, ranks, dists = ids[keep], ranks[keep], dists[keep]
    if not ids.size:
        return Ranking.empty()
    unique, inverse = np.unique(ids, return_inverse=True)
    contrib = 1.0 / (k + ranks.astype(np.float64))
    canon = np.lexsort((contrib, inverse))
    scores = np.zeros(unique.shape[0])
    np.add.at(scores, inverse[canon], contrib[canon])
    best = np.full(unique.shape[0], np.inf, dtype=np.float32)
    np.minimum.at(best, inverse, dists)
    order = np.lexsort((unique, best, -scores))
    if limit is not None:
        order = order[:limit]
    return Ranking.unexplained(unique[order], scores[order], best[order])


def same(a: Ranking, b: Ranking) -> bool:
    """Equal bit for bit: ids, scores and distances."""
    return (
        a.ids.tobytes() == b.ids.tobytes()
        and a.scores.tobytes() == b.scores.tobytes()
        and a.distances.tobytes() == b.distances.tobytes()
    )


# Lists that repeat ids within a list too: a backend should not, but the core must cope.
noisy_list = st.lists(st.integers(0, 25), max_size=20).flatmap(
    lambda ids: st.lists(
        st.sampled_from([0.0, 0.25, 0.5, 1.0]), min_size=len(ids), max_size=len(ids)
    ).map(lambda ds: nb(ids, ds))
)
# No subnormals: there, scaling by a power of two is not exact.
weight = st.just(0.0) | st.floats(1e-3, 10)
some_lists = st.lists(ranked_list, max_size=6)


@st.composite
def weighted_lists(draw):
    chosen = draw(some_lists)
    return chosen, draw(st.lists(weight, min_size=len(chosen), max_size=len(chosen)))


@given(
    st.lists(noisy_list, max_size=6),
    st.sets(st.integers(0, 25), max_size=6),
    st.sampled_from([0, 1, 60]),
    st.sampled_from([None, 1, 5]),
)
def test_unit_weights_are_rrf_merge_before_bit_for_bit(lists, exclude, k, limit):
    before = rrf_merge_before(lists, k=k, exclude=exclude, limit=limit)
    assert same(rrf_merge(lists, k=k, exclude=exclude, limit=limit), before)
    ones = np.ones(len(lists))
    assert same(weighted_rrf(lists, ones, k=k, exclude=exclude, limit=limit), before)


@given(weighted_lists(), st.randoms(use_true_random=False))
def test_independent_of_list_order_bit_for_bit(lists_and_weights, rnd):
    lists, weights = lists_and_weights
    pairs = list(zip(lists, weights, strict=True))
    rnd.shuffle(pairs)
    shuffled = [lst for lst, _ in pairs]
    shuffled_weights = [w for _, w in pairs]
    assert same(weighted_rrf(lists, weights), weighted_rrf(shuffled, shuffled_weights))


@given(weighted_lists(), st.sampled_from([0.25, 2.0, 8.0]))
def test_scaling_every_weight_scales_every_score(lists_and_weights, factor):
    lists, weights = lists_and_weights
    base = weighted_rrf(lists, weights)
    scaled = weighted_rrf(lists, [w * factor for w in weights])
    # A power of two scales every float exactly: the same order, scores times factor.
    assert scaled.ids.tolist() == base.ids.tolist()
    assert scaled.scores.tolist() == (base.scores * factor).tolist()


@given(weighted_lists(), st.sampled_from([0, 1, 60]))
def test_score_is_the_weighted_sum_of_reciprocal_ranks(lists_and_weights, k):
    lists, weights = lists_and_weights
    expected: dict[int, float] = {}
    for lst, w in zip(lists, weights, strict=True):
        for rank, i in enumerate(lst.ids.tolist(), start=1):
            expected[i] = expected.get(i, 0.0) + w / (k + rank)
    r = weighted_rrf(lists, weights, k=k)
    got = dict(zip(r.ids.tolist(), r.scores.tolist(), strict=True))
    assert got.keys() == expected.keys()
    for i, score in got.items():
        assert score == pytest.approx(expected[i], rel=1e-12, abs=1e-300)


def test_a_heavier_list_outvotes_a_lighter_one():
    a = nb([1, 2], [0.1, 0.2])
    b = nb([2, 1], [0.05, 0.2])
    assert weighted_rrf([a, b], [1.0, 1.0]).ids.tolist() == [2, 1]  # a tie: 2 is closer
    assert weighted_rrf([a, b], [1.5, 1.0]).ids.tolist() == [1, 2]
    assert weighted_rrf([a, b], [1.0, 1.5]).ids.tolist() == [2, 1]
    zero = weighted_rrf([a, b], [0.0, 1.0])
    assert zero.ids.tolist() == [2, 1]
    assert zero.scores.tolist() == [1 / 61, 1 / 62]


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ([1.0], "one value per list"),
        ([1.0, 2.0, 3.0], "one value per list"),
        ([1.0, -1.0], "non-negative"),
        ([1.0, float("nan")], "finite"),
    ],
)
def test_weights_are_validated(weights, match):
    with pytest.raises(ValueError, match=match):
        weighted_rrf([nb([1]), nb([2])], weights)
