import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segue.engine import Neighbors, rrf_merge


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
