import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from segue.engine import kmeans
from segue.errors import InvalidInput


def blobs(n_per, centers, scale=0.05, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.asarray(centers, np.float32)
    pts = [c + scale * rng.normal(size=(n_per, centers.shape[1])) for c in centers]
    return np.vstack(pts).astype(np.float32)


def test_finds_separated_clusters():
    x = blobs(20, [[0, 0, 0], [10, 0, 0], [0, 10, 0]])
    r = kmeans(x, 3)
    assert r.converged
    assert r.centroids.shape == (3, 3)
    # each blob gets one label of its own
    groups = [set(r.labels[i * 20 : (i + 1) * 20].tolist()) for i in range(3)]
    assert all(len(g) == 1 for g in groups)
    assert len(set.union(*groups)) == 3


def test_duplicates_give_fewer_centroids():
    x = np.repeat(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32), 5, axis=0)
    r = kmeans(x, 3)
    assert r.centroids.shape == (2, 2)
    assert sorted(r.centroids.tolist()) == [[1.0, 2.0], [3.0, 4.0]]
    all_same = kmeans(np.ones((6, 4), np.float32), 3)
    assert all_same.centroids.shape == (1, 4)
    assert (all_same.labels == 0).all()


def test_more_clusters_than_points():
    assert kmeans(np.eye(2, dtype=np.float32), 5).centroids.shape == (2, 2)


def test_iterations_are_bounded():
    x = np.random.default_rng(1).normal(size=(200, 8)).astype(np.float32)
    r = kmeans(x, 3, max_iter=1)
    assert r.n_iter == 1


def test_bad_input():
    with pytest.raises(InvalidInput, match="NaN"):
        kmeans(np.array([[0.0, np.nan]], np.float32), 1)
    with pytest.raises(ValueError, match="k must"):
        kmeans(np.eye(3, dtype=np.float32), 0)


def test_any_dimension():
    for dim in (1, 7, 512, 1024):
        x = np.random.default_rng(dim).normal(size=(12, dim)).astype(np.float32)
        assert kmeans(x, 3).centroids.shape == (3, dim)


matrices = st.integers(1, 30).flatmap(
    lambda n: st.integers(1, 6).flatmap(
        lambda d: arrays(np.float32, (n, d), elements=st.floats(-10, 10, width=32))
    )
)


@settings(max_examples=150, deadline=None)
@given(matrices, st.integers(1, 5))
def test_k_centroids_when_enough_distinct_points(x, k):
    r = kmeans(x, k)
    distinct = np.unique(x, axis=0).shape[0]
    assert 1 <= r.centroids.shape[0] <= min(k, distinct)
    # with clearly distinct points (no near-duplicates), exactly min(k, distinct) are kept
    if distinct >= k and _well_separated(x):
        assert r.centroids.shape[0] == k
    assert r.labels.shape == (x.shape[0],)
    assert set(r.labels.tolist()) == set(range(r.centroids.shape[0]))


def _well_separated(x):
    u = np.unique(x, axis=0).astype(np.float64)
    if u.shape[0] < 2:
        return True
    d = ((u[:, None] - u[None]) ** 2).sum(-1)
    return d[~np.eye(u.shape[0], dtype=bool)].min() > 1e-3


@settings(max_examples=150, deadline=None)
@given(matrices, st.integers(1, 5))
def test_converged_centroids_are_member_means(x, k):
    r = kmeans(x, k, max_iter=300)
    assume(r.converged)
    x64 = x.astype(np.float64)
    for j in range(r.centroids.shape[0]):
        members = x64[r.labels == j]
        np.testing.assert_allclose(r.centroids[j], members.mean(0), rtol=1e-4, atol=1e-4)


@settings(max_examples=100, deadline=None)
@given(matrices, st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_same_input_same_output(x, k, seed):
    a, b = kmeans(x, k, seed=seed), kmeans(x.copy(), k, seed=seed)
    assert np.array_equal(a.centroids, b.centroids)
    assert np.array_equal(a.labels, b.labels)
