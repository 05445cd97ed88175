"""Bootstrap confidence intervals: contain the mean, seeded, shrink with more data."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from segue.evaluation import Interval, bootstrap_ci, paired_bootstrap_ci
from segue.evaluation._bootstrap import _CHUNK_VALUES, _interval


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=60),
    st.integers(min_value=0, max_value=2**32),
)
def test_interval_contains_the_mean(values, seed):
    ci = bootstrap_ci(values, n_resamples=200, seed=seed)
    assert ci.mean[0] == pytest.approx(np.mean(values))
    assert ci.low[0] <= ci.mean[0] <= ci.high[0]


def test_same_seed_same_interval_other_seed_other_interval():
    values = np.random.default_rng(0).random((80, 3))
    a = bootstrap_ci(values, seed=7)
    b = bootstrap_ci(values, seed=7)
    c = bootstrap_ci(values, seed=8)
    assert np.array_equal(a.low, b.low)
    assert np.array_equal(a.high, b.high)
    assert not np.array_equal(a.low, c.low)


def test_interval_matches_the_normal_approximation():
    # 400 Bernoulli(0.3) draws: the 95% CI of the mean is about +-1.96 * sqrt(.21/400).
    values = (np.random.default_rng(1).random(400) < 0.3).astype(float)
    ci = bootstrap_ci(values, n_resamples=4000, seed=0)
    half = 1.96 * np.sqrt(values.mean() * (1 - values.mean()) / values.size)
    assert ci.high[0] - ci.low[0] == pytest.approx(2 * half, rel=0.15)


def test_columns_are_independent_metrics():
    values = np.column_stack([np.zeros(30), np.ones(30)])
    ci = bootstrap_ci(values, n_resamples=100)
    assert ci.low.tolist() == [0.0, 1.0]
    assert ci.high.tolist() == [0.0, 1.0]


def test_paired_interval_sees_a_small_consistent_gain():
    rng = np.random.default_rng(3)
    base = rng.random(200)
    better = base + 0.01  # tiny next to the spread of the values, but always there
    assert bootstrap_ci(better).low[0] < bootstrap_ci(base).high[0]  # unpaired: overlap
    diff = paired_bootstrap_ci(better, base)
    assert diff.low[0] == pytest.approx(0.01)
    assert diff.high[0] == pytest.approx(0.01)


def test_bad_arguments():
    with pytest.raises(ValueError, match="non-empty"):
        bootstrap_ci([])
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_ci([1.0], n_resamples=0)
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci([1.0], level=1.0)
    with pytest.raises(ValueError, match="shape"):
        paired_bootstrap_ci([1.0, 2.0], [1.0])


def _all_at_once_means(
    values: NDArray[np.float64], n_resamples: int, seed: int
) -> NDArray[np.float64]:
    """The resampling as it was before it went by chunks: every resample gathered at once."""
    n = values.shape[0]
    rows = np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))
    means: NDArray[np.float64] = values[rows].mean(axis=1)
    return means


def _reference(values: NDArray[np.float64], n_resamples: int, seed: int) -> Interval:
    return _interval(values.mean(axis=0), _all_at_once_means(values, n_resamples, seed), 0.95)


@pytest.mark.parametrize(
    ("n", "m", "n_resamples"),
    [
        (5, 1, 7),  # one chunk
        (3000, 9, 200),  # chunks of 77 resamples, the last one short
        (40_000, 3, 101),  # chunks of 17, the last one of 16
        (120_000, 20, 3),  # more values than a chunk holds: one resample at a time
    ],
)
def test_chunked_resampling_gives_the_intervals_of_the_whole_gather(n, m, n_resamples):
    rng = np.random.default_rng(n)
    values, other = rng.random((n, m)), rng.random((n, m))
    seed = int(rng.integers(0, 2**40))
    want = _reference(values, n_resamples, seed)
    got = bootstrap_ci(values, n_resamples=n_resamples, seed=seed)
    for field in ("mean", "low", "high"):
        assert np.array_equal(getattr(got, field), getattr(want, field)), field
    # Paired: both strategies see the same resampled playlists, as before.
    want_diff = _reference(values - other, n_resamples, seed)
    got_diff = paired_bootstrap_ci(values, other, n_resamples=n_resamples, seed=seed)
    assert np.array_equal(got_diff.low, want_diff.low)
    assert np.array_equal(got_diff.high, want_diff.high)


def test_memory_is_bounded_by_the_chunk_not_by_the_resamples():
    # 2,000 playlists x 9 metrics x 1,000 resamples: the whole gather is 144 MB of float64
    # (and 16 MB of row indices); one chunk is _CHUNK_VALUES floats (16 MB).
    values = np.random.default_rng(0).random((2000, 9))
    tracemalloc.start()
    try:
        ci = bootstrap_ci(values, n_resamples=1000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert ci.low.shape == (9,)
    # The chunk's gather, its row indices (a ninth of it here) and the (1000, 9) means.
    assert peak < 2 * _CHUNK_VALUES * 8
