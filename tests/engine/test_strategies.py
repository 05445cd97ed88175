"""Every strategy's invariants, on exact neighbour lists computed here with numpy."""

import numpy as np
import pytest

from segue.engine import (
    DEFAULT_STRATEGY,
    MAX_QUERIES,
    STRATEGIES,
    Adaptive,
    Blend,
    Neighbors,
    QueryPlan,
    Strategy,
    get_strategy,
    normalize,
    plan_queries,
    rrf_merge,
)
from segue.engine._blend import Softmax
from segue.engine._registry import strategy_names
from segue.errors import InvalidInput

ALL = list(STRATEGIES)


def catalog(n=600, d=16, seed=0):
    return normalize(np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32))


def exact_lists(cat, queries, top_k, exclude):
    """What an exact cosine store answers: ids are catalog rows."""
    sims = normalize(queries) @ cat.T
    sims[:, exclude] = -np.inf
    out = []
    for row in sims:
        ids = np.argsort(-row, kind="stable")[:top_k]
        out.append(Neighbors(ids.astype(np.int64), (1 - row[ids]).astype(np.float32)))
    return out


def run(strategy: Strategy, cat, playlist, limit=20, max_top_k=1000):
    playlist = np.asarray(playlist, dtype=np.int64)
    plan = strategy.plan(cat[playlist], limit=limit, n_excluded=playlist.size, max_top_k=max_top_k)
    lists = exact_lists(cat, plan.queries, plan.top_k, playlist)
    return plan, strategy.rank(plan, lists, exclude=playlist, limit=limit)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("n", [1, 2, 5, 6, 15, 16, 40, 100])
def test_never_a_playlist_track_and_at_most_limit(name, n):
    cat = catalog()
    playlist = np.random.default_rng(n).choice(len(cat), n, replace=False)
    plan, ranking = run(get_strategy(name), cat, playlist, limit=20)
    assert len(ranking) == 20
    assert not np.isin(ranking.ids, playlist).any()
    assert np.unique(ranking.ids).size == len(ranking)
    assert np.all(np.diff(ranking.scores) <= 0)  # best first
    assert 1 <= len(plan) <= max(MAX_QUERIES, 5)


@pytest.mark.parametrize("name", ALL)
def test_excluded_ids_in_the_lists_are_dropped(name):
    # A backend that ignored `exclude` must not leak playlist tracks into the ranking.
    cat = catalog()
    playlist = np.arange(8)
    strategy = get_strategy(name)
    plan = strategy.plan(cat[playlist], limit=10, n_excluded=8, max_top_k=1000)
    lists = exact_lists(cat, plan.queries, plan.top_k + 8, np.array([], np.int64))
    ranking = strategy.rank(plan, lists, exclude=playlist, limit=10)
    assert len(ranking) == 10
    assert not np.isin(ranking.ids, playlist).any()


@pytest.mark.parametrize("name", ALL)
def test_deterministic(name):
    cat = catalog()
    playlist = np.arange(10, 70, 2)
    a = run(get_strategy(name), cat, playlist)[1]
    b = run(get_strategy(name), cat, playlist)[1]
    assert a.ids.tolist() == b.ids.tolist()
    assert np.array_equal(a.scores, b.scores)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dim", [2, 7, 512])
def test_any_dimension(name, dim):
    cat = catalog(n=300, d=dim, seed=dim)
    plan, ranking = run(get_strategy(name), cat, np.arange(25), limit=10)
    assert plan.queries.shape[1] == dim
    assert len(ranking) == 10


@pytest.mark.parametrize("name", ALL)
def test_empty_lists_give_an_empty_ranking(name):
    strategy = get_strategy(name)
    plan = strategy.plan(catalog()[:3], limit=5, n_excluded=3, max_top_k=100)
    empty = [Neighbors.empty() for _ in range(len(plan))]
    assert len(strategy.rank(plan, empty, exclude=np.arange(3), limit=5)) == 0


def test_adaptive_is_exactly_the_original_plan_and_rrf():
    cat = catalog()
    for n in (1, 4, 12, 60):
        playlist = np.arange(100, 100 + n)
        plan, ranking = run(Adaptive(), cat, playlist, limit=15)
        assert np.array_equal(plan.queries, plan_queries(cat[playlist]))
        assert plan.top_k == 15  # the store excludes the playlist: no room added for it
        lists = exact_lists(cat, plan.queries, plan.top_k, playlist)
        expected = rrf_merge(lists, exclude=playlist, limit=15)
        assert ranking.ids.tolist() == expected.ids.tolist()


@pytest.mark.parametrize("cls", [Blend, Softmax])
def test_one_track_gets_its_own_neighbours_in_order(cls):
    cat = catalog()
    plan, ranking = run(cls(), cat, [7], limit=10)
    assert len(plan) == 1
    nearest = exact_lists(cat, cat[[7]], 10, np.array([7]))[0]
    assert ranking.ids.tolist() == nearest.ids.tolist()


@pytest.mark.parametrize("cls", [Blend, Softmax])
@pytest.mark.parametrize("n", [2, 7, 8, 15, 16, 100])
def test_mean_plus_anchors_never_exceed_max_queries(cls, n):
    queries = min(n + 1, cls().max_queries)  # Blend: 8 by default, Softmax: 16
    x = catalog(n=n, seed=n)
    plan = cls().plan(x, limit=10, n_excluded=n, max_top_k=1000)
    assert len(plan) == queries
    assert plan.center == 0
    assert plan.weights[0] == 0.0
    assert plan.weights[1:].sum() == pytest.approx(1.0)
    assert np.allclose(normalize(plan.queries[:1]), normalize(x.mean(0, keepdims=True)), atol=1e-6)
    if n <= queries - 1:
        assert np.array_equal(plan.queries[1:], x)  # each track is an anchor


def test_max_queries_is_configurable():
    plan = Blend(max_queries=4).plan(catalog(n=50), limit=10, n_excluded=50, max_top_k=1000)
    assert len(plan) == 4
    with pytest.raises(ValueError, match="max_queries"):
        Blend(max_queries=1).plan(catalog(n=5), limit=10, n_excluded=5, max_top_k=1000)


def test_top_k_is_the_pool_but_at_least_limit_and_at_most_the_store_cap():
    x = catalog(n=5)
    assert Blend(pool=100).plan(x, limit=10, n_excluded=5, max_top_k=1000).top_k == 100
    assert Blend(pool=100).plan(x, limit=300, n_excluded=5, max_top_k=1000).top_k == 300
    assert Blend(pool=100).plan(x, limit=10, n_excluded=5, max_top_k=60).top_k == 60


def test_opposite_tracks_have_no_mean_to_query():
    x = np.array([[1, 0, 0], [-1, 0, 0]], np.float32)
    plan = Blend().plan(x, limit=5, n_excluded=2, max_top_k=100)
    assert plan.center is None
    assert len(plan) == 2


@pytest.mark.parametrize("name", ALL)
def test_zero_vectors_are_not_queried(name):
    x = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    plan = get_strategy(name).plan(x, limit=5, n_excluded=3, max_top_k=100)
    assert len(plan) >= 1
    assert np.linalg.norm(plan.queries, axis=1).min() > 0


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("n", [1, 4, 8])
def test_only_zero_vectors_plan_no_query(name, n):
    plan = get_strategy(name).plan(
        np.zeros((n, 16), np.float32), limit=5, n_excluded=n, max_top_k=100
    )
    assert len(plan) == 0


def test_blend_fuses_the_mean_and_the_anchors():
    # b is first for the mean and second for both anchors: it beats a, an anchor's
    # favourite the mean ranks low, and c, the mean's runner-up no anchor returned.
    plan = QueryPlan(np.eye(3, dtype=np.float32), 10, np.array([0.0, 0.5, 0.5]), center=0)
    d = np.float32
    mean = Neighbors(np.array([11, 13, 10]), np.array([0.1, 0.2, 0.9], d))
    anchor1 = Neighbors(np.array([10, 11]), np.array([0.1, 0.2], d))
    anchor2 = Neighbors(np.array([10, 11]), np.array([0.1, 0.2], d))
    ranking = Blend().rank(plan, [mean, anchor1, anchor2], exclude=np.array([], np.int64), limit=3)
    assert ranking.ids.tolist() == [11, 10, 13]


def test_anchor_votes_follow_cluster_weights():
    plan = QueryPlan(np.eye(2, dtype=np.float32), 10, np.array([0.9, 0.1]))
    d = np.float32
    big = Neighbors(np.array([1, 2]), np.array([0.1, 0.2], d))
    small = Neighbors(np.array([2, 1]), np.array([0.1, 0.2], d))
    ranking = Blend().rank(plan, [big, small], exclude=np.array([], np.int64), limit=2)
    assert ranking.ids.tolist() == [1, 2]


def test_softmax_prefers_the_closer_candidate_at_equal_rank():
    plan = QueryPlan(np.eye(2, dtype=np.float32), 10, np.array([0.5, 0.5]))
    d = np.float32
    a = Neighbors(np.array([1, 2]), np.array([0.01, 0.5], d))
    b = Neighbors(np.array([2, 1]), np.array([0.3, 0.6], d))
    # Ranks tie (1st and 2nd in one list each); similarities do not: 1 is far closer.
    ranking = Softmax().rank(plan, [a, b], exclude=np.array([], np.int64), limit=2)
    assert ranking.ids.tolist() == [1, 2]
    with pytest.raises(ValueError, match="temperature"):
        Softmax(temperature=0).rank(plan, [a, b], exclude=np.array([], np.int64), limit=2)


def test_registry():
    assert strategy_names()[0] == "adaptive"
    assert DEFAULT_STRATEGY in STRATEGIES
    blend = get_strategy("blend", pool=50)
    assert isinstance(blend, Blend)
    assert blend.pool == 50
    for name in STRATEGIES:
        assert get_strategy(name).name == name
        assert isinstance(get_strategy(name), Strategy)
    with pytest.raises(InvalidInput, match="unknown strategy 'nope'"):
        get_strategy("nope")
    with pytest.raises(InvalidInput, match="temperature"):
        get_strategy("blend", temperature=0.3)
