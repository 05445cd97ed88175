"""The per-artist cap on a ranking."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segue.engine import Ranking, cap_per_group


def ranking(ids):
    ids = np.asarray(ids, dtype=np.int64)
    return Ranking.unexplained(
        ids, -np.arange(ids.size, dtype=np.float64), np.zeros(ids.size, np.float32)
    )


def test_keeps_the_first_of_each_group_in_order():
    r = ranking([10, 11, 12, 13, 14, 15])
    capped = cap_per_group(r, ["a", "a", "b", "a", "b", "c"], 1)
    assert capped.ids.tolist() == [10, 12, 15]
    capped = cap_per_group(r, ["a", "a", "b", "a", "b", "c"], 2)
    assert capped.ids.tolist() == [10, 11, 12, 14, 15]
    assert capped.scores.tolist() == [0.0, -1.0, -2.0, -4.0, -5.0]


@given(st.lists(st.integers(0, 5), max_size=40), st.integers(1, 4))
def test_property_cap_holds_and_order_is_kept(groups, cap):
    r = ranking(np.arange(len(groups)))
    capped = cap_per_group(r, groups, cap)
    kept_groups = np.asarray(groups, dtype=np.int64)[capped.ids]
    assert all(np.count_nonzero(kept_groups == g) <= cap for g in set(groups))
    assert np.all(np.diff(capped.ids) > 0)  # a subsequence of the ranking
    # Nothing is dropped needlessly: every group keeps min(cap, its size).
    for g in set(groups):
        assert np.count_nonzero(kept_groups == g) == min(cap, groups.count(g))


def test_errors_and_empty():
    assert len(cap_per_group(Ranking.empty(), [], 2)) == 0
    with pytest.raises(ValueError, match="cap"):
        cap_per_group(ranking([1]), [0], 0)
    with pytest.raises(ValueError, match="one label"):
        cap_per_group(ranking([1, 2]), [0], 1)
