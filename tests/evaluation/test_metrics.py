"""The metrics on hand-computed examples."""

import math

import numpy as np
import pytest

from segue.evaluation import METRICS, hit_rate, ndcg, recall, score_ranking


def test_hit_rate_counts_only_the_top_k():
    ranked = [7, 8, 9, 1]
    assert hit_rate(ranked, [1], 3) == 0.0
    assert hit_rate(ranked, [1], 4) == 1.0
    assert hit_rate(ranked, [1, 8], 2) == 1.0


def test_recall_is_found_over_hidden():
    # 2 of the 4 hidden tracks are in the top 3.
    assert recall([1, 5, 2, 3], [1, 2, 3, 4], 3) == 0.5
    assert recall([1, 5, 2, 3], [1, 2, 3, 4], 4) == 0.75
    assert recall([9, 9, 9], [1], 3) == 0.0


def test_ndcg_by_hand():
    # Hits at ranks 2 and 3 of 3 hidden, k = 10:
    # DCG = 1/log2(3) + 1/log2(4); ideal = 1 + 1/log2(3) + 1/log2(4).
    dcg = 1 / math.log2(3) + 1 / math.log2(4)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg([5, 1, 2], [1, 2, 3], 10) == pytest.approx(dcg / ideal)


def test_ndcg_ideal_is_over_min_k_and_hidden():
    # 12 hidden, k = 10: the ideal has 10 hits, so ten hits at the top score exactly 1.
    hidden = list(range(12))
    assert ndcg(list(range(10)), hidden, 10) == pytest.approx(1.0)
    # One hidden track found first is perfect too.
    assert ndcg([4, 0], [4], 10) == pytest.approx(1.0)
    # ...and found second, 1/log2(3).
    assert ndcg([0, 4], [4], 10) == pytest.approx(1 / math.log2(3))


def test_a_repeated_hit_counts_once():
    assert recall([1, 1, 1], [1, 2], 3) == 0.5
    assert ndcg([1, 1], [1, 2], 10) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_short_and_empty_rankings():
    assert score_ranking([], [3]).tolist() == [0.0] * len(METRICS)
    assert score_ranking([3], [3, 4]).tolist() == pytest.approx(
        [1.0, 0.5, 1 / (1 + 1 / math.log2(3)), 1.0, 0.5]
    )


def test_k50_sees_past_k10():
    ranked = np.arange(100, 160)
    ranked[30] = 7
    values = dict(zip(METRICS, score_ranking(ranked, [7, 8]), strict=True))
    assert values == {"HR@10": 0.0, "R@10": 0.0, "nDCG@10": 0.0, "HR@50": 1.0, "R@50": 0.5}


def test_no_hidden_tracks_is_an_error():
    with pytest.raises(ValueError, match="hidden"):
        recall([1, 2], [], 10)
    with pytest.raises(ValueError, match="k must"):
        hit_rate([1], [1], 0)
