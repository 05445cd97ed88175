"""Bootstrap confidence intervals: contain the mean, seeded, shrink with more data."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segue.evaluation import bootstrap_ci, paired_bootstrap_ci


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
