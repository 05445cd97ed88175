import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from segue.engine import (
    MAX_ID,
    check_ids,
    check_limit,
    check_matrix,
    normalize,
    plan_queries,
    query_top_k,
)
from segue.errors import DimensionMismatch, InvalidInput
from segue.limits import TRACK_ID_MAX


def rand(n, d=16, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


def test_one_track_is_its_own_query():
    x = rand(1)
    assert np.array_equal(plan_queries(x), x)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_two_to_five_query_each_track(n):
    x = rand(n)
    assert np.array_equal(plan_queries(x), x)


@pytest.mark.parametrize(("n", "k"), [(6, 3), (7, 3), (30, 3), (1000, 3)])
def test_six_and_more_use_min_3_n_over_2_centroids(n, k):
    assert plan_queries(rand(n)).shape == (k, 16)


def test_centroids_come_from_unit_vectors():
    # Scaling a track must not move the centroids: cosine ignores length.
    x = rand(12)
    scaled = x * np.linspace(0.1, 50, 12, dtype=np.float32)[:, None]
    np.testing.assert_allclose(plan_queries(x), plan_queries(scaled), atol=1e-5)


def test_max_clusters_is_a_parameter():
    assert plan_queries(rand(40), max_clusters=5).shape == (5, 16)
    assert plan_queries(rand(4), direct_max=3, max_clusters=2).shape == (2, 16)


def test_deterministic():
    x = rand(50, 512)
    assert np.array_equal(plan_queries(x), plan_queries(x.copy()))


def test_no_tracks_no_queries():
    assert plan_queries(np.empty((0, 8), np.float32)).shape == (0, 8)


def test_zero_vectors_are_dropped_before_planning():
    x = rand(4)
    with_zeros = np.insert(x, [0, 2, 4], 0.0, axis=0)  # 7 rows: k-means if counted
    assert np.array_equal(plan_queries(with_zeros), x)
    assert np.array_equal(plan_queries(np.insert(rand(12), 5, 0.0, axis=0)), plan_queries(rand(12)))


def test_only_zero_vectors_give_an_empty_plan():
    for n in (1, 3, 9):
        assert plan_queries(np.zeros((n, 8), np.float32)).shape == (0, 8)


@settings(max_examples=60, deadline=None)
@given(
    # Integers over ten: a row is zero exactly when all its entries are (no underflow).
    values=arrays(
        np.int8, st.tuples(st.integers(1, 14), st.integers(1, 6)), elements=st.integers(-9, 9)
    ),
    zero=st.lists(st.booleans(), min_size=14, max_size=14),
)
def test_plan_ignores_zero_rows(values, zero):
    x = values.astype(np.float32) / 10
    x[np.asarray(zero[: x.shape[0]])] = 0.0
    kept = x[x.any(axis=1)]
    plan = plan_queries(x)
    assert np.array_equal(plan, plan_queries(kept))
    if kept.shape[0] <= 5:
        assert np.array_equal(plan, kept)
        assert (np.abs(plan).sum(axis=1) > 0).all()


def test_query_top_k():
    assert query_top_k(3, 0, 100) == 3
    assert query_top_k(3, 25, 100) == 28
    assert query_top_k(3, 250, 100) == 100


def test_normalize_leaves_zero_rows():
    out = normalize(np.array([[3, 4], [0, 0]], np.float32))
    np.testing.assert_allclose(out, np.array([[0.6, 0.8], [0.0, 0.0]]))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_vectors_are_refused(bad):
    x = rand(3)
    x[1, 2] = bad
    with pytest.raises(InvalidInput, match="row 1 contains NaN or infinite"):
        plan_queries(x)


def test_wrong_dimension_is_refused():
    with pytest.raises(DimensionMismatch, match="dimension 8, expected 16"):
        check_matrix(rand(2, 8), dim=16)


def test_other_bad_shapes():
    with pytest.raises(InvalidInput, match="2-D"):
        check_matrix(np.zeros((2, 2, 2)))
    with pytest.raises(InvalidInput, match="real numbers"):
        check_matrix(np.array([["a"]]))


@pytest.mark.parametrize("limit", [0, -1, True, 2.5])
def test_limit_must_be_positive_int(limit):
    with pytest.raises(InvalidInput, match="limit"):
        check_limit(limit)


def test_ids_are_checked():
    assert check_ids([3, 1]).tolist() == [3, 1]
    with pytest.raises(InvalidInput, match="non-negative"):
        check_ids([-1])
    with pytest.raises(InvalidInput, match="integers"):
        check_ids([1.5])
    with pytest.raises(InvalidInput, match="out of range"):
        check_ids(np.array([2**64 - 1], np.uint64))


def test_ids_are_capped_where_a_browser_still_holds_them_exactly():
    assert MAX_ID == TRACK_ID_MAX == 2**53 - 1
    assert check_ids([0, 2**53 - 1]).tolist() == [0, 2**53 - 1]
    for too_big in ([2**53], np.array([2**53], np.int64), np.array([2**62], np.uint64)):
        with pytest.raises(InvalidInput, match=r"0\.\.9007199254740991 \(2\*\*53 - 1"):
            check_ids(too_big)
