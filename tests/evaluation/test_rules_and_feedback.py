"""The evaluation's rules, rates, feedback mode and cross-validation."""

import dataclasses

import numpy as np
import pytest

from segue.engine import get_strategy, title_key
from segue.evaluation import (
    METRICS,
    RATES,
    Rules,
    TrackMeta,
    build_store,
    evaluate,
    feedback_pairs,
    load_eval_data,
    parse_mode,
    read_tracks,
    summarize,
    top10_rates,
)
from segue.evaluation._crossval import GOAL_CELLS, GUARD_CELLS, choose, cross_validate, fold_of


def load(d):
    return load_eval_data(d / "vectors.npy", d / "track_ids.txt", d / "playlists.jsonl")


def test_read_tracks_keys_and_artists(eval_set):
    d, cat, ids = eval_set
    meta = read_tracks(d / "tracks.csv", [*ids[:3], "not-in-csv"])
    assert meta.keys[:3] == [title_key(f"Artist {cat.artist[i]}", f"Song {i}") for i in range(3)]
    assert meta.keys[3] == "\x00not-in-csv"  # a key of its own: never a duplicate
    assert meta.artists[3] < 0


def test_top10_rates_count_duplicates_and_repeats(eval_set):
    d, _, _ = eval_set
    data = load(d)
    n = len(data.track_ids)
    keys = [f"k{i}" for i in range(n)]
    keys[20] = keys[0]  # 20 has the title of seed 0
    artists = np.arange(n, dtype=np.int64)
    artists[[31, 32]] = 30  # three tracks of one artist
    meta = TrackMeta(artists, keys)
    seeds = np.array([0, 1])
    vectors = data.vectors.copy()
    vectors[40] = vectors[1] * 3  # 40 is seed 1's vector, scaled: near-identical
    data = dataclasses.replace(data, vectors=vectors)
    top = np.array([20, 30, 31, 32, 40, 50, 51, 52, 53, 54, 55, 20])
    dup, repeat = top10_rates(top, seeds, data, meta)
    assert dup == pytest.approx(0.2)  # 20 and 40 among the first 10
    assert repeat == pytest.approx(0.2)  # 31 and 32 repeat 30's artist
    assert top10_rates(top[:0], seeds, data, meta) == [0.0, 0.0]


async def test_rules_leave_no_duplicates_and_spread_artists(eval_set, tmp_path):
    d, _, _ = eval_set
    data = load(d)
    store = await build_store(data, tmp_path)
    meta = read_tracks(d / "tracks.csv", data.track_ids)
    # Every other track shares its title with the one before: plenty of duplicates.
    keys = [meta.keys[i - i % 2] for i in range(len(meta.keys))]
    modes = [parse_mode("n=5")]
    blend = {"blend": get_strategy("blend")}
    off = await evaluate(
        store, data, modes, blend, rules=Rules(meta=TrackMeta(meta.artists, keys), max_per_artist=0)
    )
    on = await evaluate(
        store, data, modes, blend, rules=Rules(meta=TrackMeta(meta.artists, keys), max_per_artist=1)
    )
    dup, repeat = len(METRICS), len(METRICS) + 1
    assert off[0].values.shape[1] == len(METRICS) + len(RATES)
    assert (on[0].values[:, dup] == 0).all()
    assert (off[0].values[:, dup] == 0).all()
    assert on[0].values[:, repeat].mean() < off[0].values[:, repeat].mean()
    assert on[0].values[:, repeat].max() <= 0.5  # at most 2 of an artist: 5+ artists in 10
    rows = summarize(on, n_resamples=50)
    assert rows[0]["repeat@10_ci"][0] <= rows[0]["repeat@10"] <= rows[0]["repeat@10_ci"][1]


async def test_feedback_arms_and_their_pairing(eval_set, tmp_path):
    d, _, _ = eval_set
    data = load(d)
    store = await build_store(data, tmp_path)
    modes = [parse_mode("n=3")]
    blend = {"blend": get_strategy("blend")}
    # Without steering, dismissals as negatives are exactly dismissals excluded.
    plain = Rules(negative_push=0.0, negative_radius=0.0)
    out = await evaluate(store, data, modes, blend, rules=plain, feedback=True)
    assert [o.strategy for o in out] == ["blend excluded", "blend negatives"]
    np.testing.assert_array_equal(out[0].values, out[1].values)
    steered = await evaluate(
        store, data, modes, blend, rules=Rules(negative_push=0.8), feedback=True
    )
    assert not np.array_equal(steered[0].values, steered[1].values)
    rows = summarize(steered, n_resamples=50, pairs=feedback_pairs(["blend"]))
    assert "R@50_delta" not in rows[0]
    assert "R@50_delta" in rows[1]
    assert rows[1]["R@50_delta"] == pytest.approx(rows[1]["R@50"] - rows[0]["R@50"])


def test_folds_are_a_hash_of_the_id():
    folds = [fold_of(f"playlist-{i}", 5) for i in range(500)]
    assert set(folds) == {0, 1, 2, 3, 4}
    assert min(folds.count(f) for f in range(5)) > 70
    assert fold_of("playlist-7", 5) == folds[7]


def _table(gain, *, guard_loss=0.0, n=200, seed=0):
    rng = np.random.default_rng(seed)
    column = {m: j for j, m in enumerate(METRICS)}
    values = {}
    modes = {m for m, _ in GOAL_CELLS + GUARD_CELLS}
    for mode in modes:
        base = rng.uniform(0.2, 0.4, size=(n, len(METRICS)))
        values[("base", mode)] = base
        values[("simple", mode)] = base * 1.5 + rng.normal(0, 0.01, size=base.shape)
        complex_ = base * (1.5 + gain) + rng.normal(0, 0.2, size=base.shape)
        if mode in {m for m, _ in GUARD_CELLS}:
            complex_ = base - guard_loss + rng.normal(0, 0.01, size=base.shape)
        values[("complex", mode)] = complex_
    return values, column, np.arange(n)


def test_choose_prefers_the_simpler_inside_the_interval():
    values, column, rows = _table(gain=0.01)
    pick = choose(values, ["simple", "complex"], baseline="base", rows=rows, column=column)
    assert pick.chosen == "simple"
    values, column, rows = _table(gain=1.0)
    pick = choose(values, ["simple", "complex"], baseline="base", rows=rows, column=column)
    assert pick.chosen == pick.best == "complex"


def test_choose_refuses_a_candidate_that_loses_a_guard_cell():
    values, column, rows = _table(gain=1.0, guard_loss=0.1)
    pick = choose(values, ["simple", "complex"], baseline="base", rows=rows, column=column)
    assert pick.chosen == "simple"
    assert "complex" not in pick.scores


def test_cross_validation_scores_each_playlist_by_a_choice_made_without_it():
    values, column, rows = _table(gain=1.0)
    playlists = [f"playlist-{i}" for i in rows]
    modes = sorted({m for m, _ in GOAL_CELLS + GUARD_CELLS})
    cv = cross_validate(
        values, playlists, ["simple", "complex"], modes, baseline="base", folds=4, column=column
    )
    # Every playlist once, fold by fold, each fold's rows those of its hash.
    assert sorted(cv.order.tolist()) == rows.tolist()
    folds = [fold_of(playlists[i], 4) for i in cv.order]
    assert folds == sorted(folds)
    assert cv.sizes == [folds.count(f) for f in range(4)]
    start = 0
    for size, pick in zip(cv.sizes, cv.choices, strict=True):
        test = cv.order[start : start + size]
        train = np.setdiff1d(rows, test)
        # Chosen on the other folds, scored on this one.
        again = choose(values, ["simple", "complex"], baseline="base", rows=train, column=column)
        assert pick == again
        for mode in modes:
            part = slice(start, start + size)
            np.testing.assert_array_equal(cv.chosen[mode][part], values[(pick.chosen, mode)][test])
            np.testing.assert_array_equal(cv.best[mode][part], values[(pick.best, mode)][test])
        start += size
    assert cv.everything.chosen == "complex"
    table = cv.markdown().splitlines()
    assert len(table) == 2 + 4 + 1
    assert table[-1].startswith(f"| all | {len(playlists)} | complex | complex |")
