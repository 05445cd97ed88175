"""Offline evaluation of recommendation strategies on real playlists (docs/evaluation.md).

The protocol (``../shared/eval/README.md``): playlists of at least 10 distinct tracks are
shuffled with a seed derived from their id, split into seed and hidden tracks by mode,
and each strategy's ranked list (never a seed track) is scored on the hidden ones.

>>> from segue.evaluation import parse_mode, split
>>> import numpy as np
>>> parts = split(np.arange(20), "playlist-1", parse_mode("80%"))
>>> parts.seeds.size, parts.hidden.size
(16, 4)
"""

from ._bootstrap import Interval, bootstrap_ci, paired_bootstrap_ci
from ._corpus import POPULAR_SHARE, Corpus, build_corpus, popular_tracks
from ._crossval import CrossValidation, cross_validate
from ._data import (
    EvalData,
    EvalPlaylist,
    TrackMeta,
    load_eval_data,
    read_artists,
    read_corpus,
    read_track_ids,
    read_tracks,
)
from ._metrics import METRICS, hit_rate, ndcg, recall, score_ranking
from ._protocol import (
    DEFAULT_MODES,
    MIN_TRACKS,
    Mode,
    Split,
    parse_mode,
    playlist_seed,
    shuffled,
    split,
)
from ._report import markdown_tables, plot_rows
from ._runner import (
    BASELINE,
    DISMISSED,
    FEEDBACK_ARMS,
    MAX_K,
    RATES,
    SIGNAL_RATES,
    Outcome,
    Rules,
    build_store,
    count_requests,
    evaluate,
    feedback_pairs,
    summarize,
    top10_rates,
)

__all__ = [
    "BASELINE",
    "DEFAULT_MODES",
    "DISMISSED",
    "FEEDBACK_ARMS",
    "MAX_K",
    "METRICS",
    "MIN_TRACKS",
    "POPULAR_SHARE",
    "RATES",
    "SIGNAL_RATES",
    "Corpus",
    "CrossValidation",
    "EvalData",
    "EvalPlaylist",
    "Interval",
    "Mode",
    "Outcome",
    "Rules",
    "Split",
    "TrackMeta",
    "bootstrap_ci",
    "build_corpus",
    "build_store",
    "count_requests",
    "cross_validate",
    "evaluate",
    "feedback_pairs",
    "hit_rate",
    "load_eval_data",
    "markdown_tables",
    "ndcg",
    "paired_bootstrap_ci",
    "parse_mode",
    "playlist_seed",
    "plot_rows",
    "popular_tracks",
    "read_artists",
    "read_corpus",
    "read_track_ids",
    "read_tracks",
    "recall",
    "score_ranking",
    "shuffled",
    "split",
    "summarize",
    "top10_rates",
]
