"""Running the evaluation: every strategy on every playlist and mode, then the summary."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from segue.engine import (
    DEFAULT_NEAR_DUPLICATE_DISTANCE,
    NEGATIVE_PUSH,
    NEGATIVE_RADIUS,
    IdArray,
    Ranking,
    Strategy,
    cap_per_group,
    cooccurrence_of,
    cosine_distances,
    show_order,
)
from segue.recommendations import recommend
from segue.vectors import LocalVectorStore, VectorStore

from ._bootstrap import bootstrap_ci, paired_bootstrap_ci
from ._corpus import Corpus, build_corpus, popular_tracks
from ._data import EvalData, TrackMeta
from ._metrics import METRICS, score_ranking
from ._protocol import MIN_TRACKS, Mode, split

__all__ = [
    "BASELINE",
    "DISMISSED",
    "FEEDBACK_ARMS",
    "MAX_K",
    "RATES",
    "SIGNAL_RATES",
    "Outcome",
    "Rules",
    "build_store",
    "count_requests",
    "evaluate",
    "feedback_pairs",
    "summarize",
    "top10_rates",
]

#: what every other strategy is compared with
BASELINE = "adaptive"
#: the deepest cut-off of METRICS
MAX_K = 50
# With an artist cap, ask for twice MAX_K so the capped list can still fill. Not more:
# blend's lists hold 100 anyway, so its ranking (before the cap) stays the uncapped one.
_CAP_HEADROOM = 2


#: rates in the top 10, reported beside METRICS when the tracks' names are known: the
#: share of duplicate suggestions (the same title key as a seed, or a vector closer than
#: the default near-duplicate distance to one) and of artist repeats (a track whose artist
#: is already higher in the top 10)
RATES = ("dup@10", "repeat@10")
#: rates in the top 10 reported with a co-occurrence corpus (issue 25): the share of
#: suggestions among the corpus's 1% most-playlisted tracks, and the share that no other
#: corpus playlist holds (a new upload's situation: only its sound can find it)
SIGNAL_RATES = ("pop@10", "cold@10")
#: the feedback mode: how many of the first answer's non-hidden tracks are dismissed
DISMISSED = 3
#: the feedback mode's two arms, per strategy: ``"<strategy> <arm>"``
FEEDBACK_ARMS = ("excluded", "negatives")


@dataclass(frozen=True, slots=True)
class Rules:
    """What runs after the strategy, as in the service: near-identical vectors dropped in
    the pipeline; with ``meta``, title duplicates dropped and artists spread
    (:func:`segue.engine.show_order`) unless not ``apply_names``, and the rates of
    :data:`RATES` measured."""

    near_duplicate_distance: float = DEFAULT_NEAR_DUPLICATE_DISTANCE
    max_per_artist: int = 1
    meta: TrackMeta | None = None
    #: False: ``meta`` only measures the rates, the name rules are not applied
    apply_names: bool = True
    #: push and radius for dismissed tracks (see segue.engine.push_away and
    #: demote_near_negatives)
    negative_push: float = NEGATIVE_PUSH
    negative_radius: float = NEGATIVE_RADIUS


@dataclass(frozen=True, slots=True)
class Outcome:
    """Per-playlist metrics of one strategy in one mode: ``values[i]`` is :data:`METRICS`,
    then :data:`RATES` when they were measured."""

    mode: str
    strategy: str
    playlists: list[str] = field(default_factory=list)
    values: NDArray[np.float64] = field(default_factory=lambda: np.empty((0, len(METRICS))))
    #: the names of ``values``' columns
    columns: tuple[str, ...] = METRICS
    #: distinct tracks in the top 10 over all the playlists (catalog coverage)
    coverage: int | None = None


async def build_store(data: EvalData, directory: Path) -> LocalVectorStore:
    """A local store holding every catalog vector under its row index, searched exactly.

    The HNSW graph is never searched (the exact threshold is above the catalog size), so it
    is built with the smallest settings: it only has to exist. It is built on one thread,
    so identical vectors (the same recording under two ids) tie the same way every run.
    """
    store = LocalVectorStore(
        directory / "eval.usearch",
        exact_threshold=len(data.track_ids) + 1,
        connectivity=4,
        expansion_add=8,
        add_threads=1,
    )
    await store.upsert(np.arange(len(data.track_ids), dtype=np.int64), data.vectors)
    return store


def _cases(data: EvalData, modes: Sequence[Mode]) -> list[tuple[str, Mode, IdArray, IdArray]]:
    cases = []
    for playlist in data.playlists:
        if playlist.tracks.size < MIN_TRACKS:
            continue
        for mode in modes:
            parts = split(playlist.tracks, playlist.id, mode)
            if parts.hidden.size:  # n=K on a playlist of K tracks has nothing to find
                cases.append((playlist.id, mode, parts.seeds, parts.hidden))
    return cases


def count_requests(data: EvalData, modes: Sequence[Mode], n_strategies: int) -> int:
    """How many recommendations :func:`evaluate` will compute (for a progress bar)."""
    return len(_cases(data, modes)) * n_strategies


async def _answer(
    store: VectorStore,
    data: EvalData,
    seeds: IdArray,
    strategy: Strategy,
    rules: Rules,
    *,
    limit: int,
    exclude: IdArray | None = None,
    negatives: IdArray | None = None,
    corpus: Corpus | None = None,
    playlist_id: str = "",
) -> IdArray:
    """One recommendation as the service would show it: the pipeline, then the rules;
    a strategy that fuses co-occurrences gets ``corpus``'s list, without the playlist."""
    none = np.empty(0, np.int64)
    sample = cooccurrence_of(strategy)
    together = (
        corpus.cooccurring(playlist_id, seeds, sample)
        if sample is not None and corpus is not None
        else None
    )
    ranking = await recommend(
        store,
        seeds,
        limit=limit,
        exclude=none if exclude is None else exclude,
        negatives=none if negatives is None else negatives,
        near_duplicate_distance=rules.near_duplicate_distance,
        strategy=strategy,
        negative_push=rules.negative_push,
        negative_radius=rules.negative_radius,
        together=together,
    )
    ids = ranking.ids
    if np.isin(ids, seeds).any():
        raise AssertionError(f"{strategy.name} recommended a seed track")
    meta = rules.meta
    if meta is not None and rules.apply_names:
        keys = [meta.keys[i] for i in ids]
        seen = [meta.keys[i] for i in seeds]
        ids = ids[
            show_order(keys, meta.artists[ids], seen=seen, max_per_artist=rules.max_per_artist)
        ]
    return ids


def top10_rates(top: IdArray, seeds: IdArray, data: EvalData, meta: TrackMeta) -> list[float]:
    """:data:`RATES` of one answer (its first 10 ids) for a playlist of ``seeds``."""
    top = top[:10]
    if not top.size:
        return [0.0, 0.0]
    same_title = np.isin([meta.keys[i] for i in top], [meta.keys[i] for i in seeds])
    near = cosine_distances(data.vectors[top], data.vectors[seeds]).min(axis=1)
    duplicate = same_title | (near < DEFAULT_NEAR_DUPLICATE_DISTANCE)
    n_artists = np.unique(meta.artists[top]).size
    return [float(duplicate.mean()), 1.0 - n_artists / top.size]


def signal_rates(top: IdArray, popular: IdArray, held_elsewhere: NDArray[np.intp]) -> list[float]:
    """:data:`SIGNAL_RATES` of one answer (its first 10 ids); ``held_elsewhere[t]`` is how
    many corpus playlists other than the evaluated one hold track ``t``."""
    top = top[:10]
    if not top.size:
        return [0.0, 0.0]
    return [float(np.isin(top, popular).mean()), float((held_elsewhere[top] == 0).mean())]


async def evaluate(
    store: VectorStore,
    data: EvalData,
    modes: Sequence[Mode],
    strategies: Mapping[str, Strategy],
    *,
    rules: Rules | None = None,
    artists: IdArray | None = None,
    artist_cap: int | None = None,
    feedback: bool = False,
    corpus: Corpus | None = None,
    on_request: Callable[[], Any] | None = None,
) -> list[Outcome]:
    """Score each strategy in each mode: one answer per (playlist, mode, strategy).

    Playlists with fewer than :data:`MIN_TRACKS` distinct tracks are left out, and so is a
    playlist in a mode that hides none of its tracks. Each answer goes through ``rules``
    (default: near-identical vectors dropped, no metadata rules). With ``artist_cap``,
    each answer keeps at most that many tracks per artist (``artists[row]``) before it is
    scored.

    ``feedback``: the first answer's top :data:`DISMISSED` tracks that are not hidden are
    dismissed, and the next answer is scored twice, once with them merely excluded, once
    with them as negatives: outcomes ``"<strategy> excluded"`` and ``"<strategy> negatives"``.

    ``corpus``: the playlists whose co-occurrences a strategy such as ``together`` may
    use (each evaluated playlist leaving itself out); with it, :data:`SIGNAL_RATES` are
    measured too. A co-occurrence strategy without one uses the evaluated playlists.
    """
    rules = rules or Rules()
    signal = corpus is not None
    if corpus is None and any(cooccurrence_of(s) is not None for s in strategies.values()):
        corpus = build_corpus(data.playlists, n_tracks=len(data.track_ids))
    popular = popular_tracks(corpus) if corpus is not None and signal else None
    if artist_cap is not None and artists is None:
        raise ValueError("an artist cap needs the artists")
    headroom = artist_cap is not None or rules.meta is not None
    limit = MAX_K * _CAP_HEADROOM if headroom else MAX_K
    labels = (
        [f"{n} {arm}" for n in strategies for arm in FEEDBACK_ARMS]
        if feedback
        else list(strategies)
    )
    rows: dict[tuple[str, str], tuple[list[str], list[NDArray[np.float64]]]] = {
        (mode.label, label): ([], []) for mode in modes for label in labels
    }
    shown: dict[tuple[str, str], set[int]] = {key: set() for key in rows}

    def record(
        mode: Mode, label: str, playlist_id: str, ids: IdArray, seeds: IdArray, hidden: IdArray
    ) -> None:
        if artist_cap is not None and artists is not None:
            ids = ids[cap_positions(artists[ids], artist_cap)]
        values = list(score_ranking(ids[:MAX_K], hidden))
        if rules.meta is not None:
            values += top10_rates(ids, seeds, data, rules.meta)
        if popular is not None and corpus is not None:
            values += signal_rates(ids, popular, corpus.without(playlist_id))
        shown[(mode.label, label)].update(ids[:10].tolist())
        got_ids, got = rows[(mode.label, label)]
        got_ids.append(playlist_id)
        got.append(np.array(values))

    for playlist_id, mode, seeds, hidden in _cases(data, modes):
        for name, strategy in strategies.items():
            first = await _answer(
                store, data, seeds, strategy, rules, limit=limit, corpus=corpus,
                playlist_id=playlist_id,
            )  # fmt: skip
            if not feedback:
                record(mode, name, playlist_id, first, seeds, hidden)
            else:
                dismissed = first[~np.isin(first, hidden)][:DISMISSED]
                for arm in FEEDBACK_ARMS:
                    kw = {"exclude" if arm == "excluded" else "negatives": dismissed}
                    again = await _answer(
                        store, data, seeds, strategy, rules, limit=limit, corpus=corpus,
                        playlist_id=playlist_id, **kw,
                    )  # fmt: skip
                    record(mode, f"{name} {arm}", playlist_id, again, seeds, hidden)
            if on_request is not None:
                on_request()
    columns = (
        *METRICS,
        *(RATES if rules.meta is not None else ()),
        *(SIGNAL_RATES if popular is not None else ()),
    )
    return [
        Outcome(
            mode,
            label,
            ids,
            np.array(values).reshape(len(ids), len(columns)),
            columns,
            len(shown[(mode, label)]),
        )
        for (mode, label), (ids, values) in rows.items()
    ]


def cap_positions(groups: IdArray, cap: int) -> NDArray[np.intp]:
    """Positions kept by :func:`segue.engine.cap_per_group` (at most ``cap`` per group)."""
    order = np.arange(groups.size, dtype=np.int64)
    ranking = Ranking.unexplained(order, np.zeros(order.size), np.zeros(order.size, np.float32))
    kept: NDArray[np.intp] = cap_per_group(ranking, groups, cap).ids.astype(np.intp)
    return kept


def feedback_pairs(strategies: Sequence[str]) -> dict[str, str]:
    """For :func:`summarize` in the feedback mode: each strategy's ``negatives`` arm
    against its ``excluded`` arm."""
    return {f"{n} {FEEDBACK_ARMS[1]}": f"{n} {FEEDBACK_ARMS[0]}" for n in strategies}


def summarize(
    outcomes: Sequence[Outcome],
    *,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    baseline: str = BASELINE,
    pairs: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One JSON-ready row per (mode, strategy): each metric's mean and ``<metric>_ci``
    (:data:`RATES` too when measured).

    Each other strategy also gets ``<metric>_delta`` (its mean minus its reference's, over
    the same playlists) and ``<metric>_delta_ci`` (paired): the reference is ``baseline``
    when it ran, or ``pairs[strategy]`` when ``pairs`` is given.
    """
    by_mode = {(o.mode, o.strategy): o for o in outcomes}
    out: list[dict[str, Any]] = []
    for o in outcomes:
        columns = o.columns
        row: dict[str, Any] = {
            "mode": o.mode,
            "strategy": o.strategy,
            "playlists": len(o.playlists),
            "coverage@10": o.coverage,
        }
        if not o.playlists:
            out.append(row | dict.fromkeys(columns))
            continue
        ci = bootstrap_ci(o.values, n_resamples=n_resamples, level=level, seed=seed)
        for j, name in enumerate(columns):
            row[name] = float(ci.mean[j])
            row[f"{name}_ci"] = [float(ci.low[j]), float(ci.high[j])]
        other = baseline if pairs is None else pairs.get(o.strategy)
        ref = by_mode.get((o.mode, other)) if other is not None else None
        if ref is not None and o.strategy != other and ref.playlists == o.playlists:
            diff = paired_bootstrap_ci(
                o.values, ref.values, n_resamples=n_resamples, level=level, seed=seed
            )
            for j, name in enumerate(columns):
                row[f"{name}_delta"] = float(diff.mean[j])
                row[f"{name}_delta_ci"] = [float(diff.low[j]), float(diff.high[j])]
        out.append(row)
    return out
