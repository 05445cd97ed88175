"""Reading the evaluation files, and the runner on the real local store."""

import json

import numpy as np
import pytest

from segue.engine import QueryPlan, Ranking, get_strategy
from segue.errors import InvalidInput
from segue.evaluation import (
    METRICS,
    build_store,
    evaluate,
    load_eval_data,
    parse_mode,
    read_artists,
    split,
    summarize,
)


def load(d):
    return load_eval_data(d / "vectors.npy", d / "track_ids.txt", d / "playlists.jsonl")


def test_string_ids_map_to_rows_and_playlists_are_distinct(eval_set):
    d, cat, ids = eval_set
    data = load(d)
    assert data.track_ids == ids
    assert np.array_equal(data.vectors, cat.vectors)
    first = json.loads((d / "playlists.jsonl").read_text().splitlines()[0])
    rows = [data.row_of[t] for t in dict.fromkeys(first["tracks"])]
    assert data.playlists[0].id == "pl-0"
    assert data.playlists[0].tracks.tolist() == rows  # the repeat is gone, order kept
    assert data.unknown_tracks == 0


def test_unknown_tracks_are_counted_and_dropped(eval_set):
    d, _, ids = eval_set
    (d / "playlists.jsonl").write_text(json.dumps({"id": "x", "tracks": [ids[3], "nope"]}))
    data = load(d)
    assert data.playlists[0].tracks.tolist() == [3]
    assert data.unknown_tracks == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        ('{"tracks": []}', "string 'id'"),
        ('{"id": "a", "tracks": [1, 2]}', "list of string ids"),
        ('{"id": "a", "tracks": []}\n{"id": "a", "tracks": []}', "appears twice"),
    ],
)
def test_bad_playlists(eval_set, line, message):
    d, _, _ = eval_set
    (d / "playlists.jsonl").write_text(line + "\n")
    with pytest.raises(InvalidInput, match=message):
        load(d)


def test_bad_ids_and_vectors(eval_set):
    d, _, ids = eval_set
    (d / "track_ids.txt").write_text("\n".join([*ids[:-1], ids[0]]))
    with pytest.raises(InvalidInput, match="already on line 1"):
        load(d)
    (d / "track_ids.txt").write_text("\n".join(ids))
    np.save(d / "vectors.npy", np.full((len(ids), 4), np.nan, np.float32))
    with pytest.raises(InvalidInput, match="NaN"):
        load(d)


def test_artists_by_row(eval_set):
    d, cat, ids = eval_set
    labels = read_artists(d / "tracks.csv", [*ids[:5], "not-in-csv"])
    same = [cat.artist[i] == cat.artist[j] for i in range(5) for j in range(5)]
    assert [labels[i] == labels[j] for i in range(5) for j in range(5)] == same
    assert labels[5] not in labels[:5]


class SeedLeaker:
    """A broken strategy that recommends the playlist's own tracks."""

    name = "leaker"

    def plan(self, vectors, *, limit, n_excluded, max_top_k):
        return QueryPlan(vectors[:1], 5, np.ones(1))

    def rank(self, plan, lists, *, exclude, limit):
        ids = exclude[:limit]
        return Ranking.unexplained(ids, np.ones(ids.size), np.zeros(ids.size, np.float32))


async def test_evaluate_scores_what_recommend_returns(eval_set, tmp_path):
    d, _, _ = eval_set
    data = load(d)
    store = await build_store(data, tmp_path)
    assert store.exact_threshold > len(data.track_ids)
    modes = [parse_mode("n=3"), parse_mode("80%")]
    outcomes = await evaluate(store, data, modes, {"blend": get_strategy("blend")})
    assert [(o.mode, o.strategy) for o in outcomes] == [("n=3", "blend"), ("80%", "blend")]
    assert outcomes[0].values.shape == (12, len(METRICS))
    assert "too-short" not in outcomes[0].playlists
    rows = summarize(outcomes, n_resamples=100)
    assert rows[0]["HR@50"] == pytest.approx(outcomes[0].values[:, 3].mean())
    assert "HR@10_delta" not in rows[0]  # no baseline ran

    # The hidden tracks are exactly the protocol's for that playlist.
    pl = data.playlists[0]
    hidden = split(pl.tracks, pl.id, modes[1]).hidden
    assert hidden.size == round(0.2 * pl.tracks.size)

    # The pipeline refuses a ranked id that no store list returned (the store left the
    # seeds out), before the evaluation's own check could see a seed.
    with pytest.raises(ValueError, match="in none of the lists"):
        await evaluate(store, data, modes[:1], {"leaker": SeedLeaker()})
