"""Running the evaluation: every strategy on every playlist and mode, then the summary."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from segue.engine import IdArray, Strategy, cap_per_group
from segue.recommendations import recommend
from segue.vectors import LocalVectorStore, VectorStore

from ._bootstrap import bootstrap_ci, paired_bootstrap_ci
from ._data import EvalData
from ._metrics import METRICS, score_ranking
from ._protocol import MIN_TRACKS, Mode, split

__all__ = ["BASELINE", "MAX_K", "Outcome", "build_store", "count_requests", "evaluate", "summarize"]

#: what every other strategy is compared with
BASELINE = "adaptive"
#: the deepest cut-off of METRICS
MAX_K = 50
# With an artist cap, ask for twice MAX_K so the capped list can still fill. Not more:
# blend's lists hold 100 anyway, so its ranking (before the cap) stays the uncapped one.
_CAP_HEADROOM = 2


@dataclass(frozen=True, slots=True)
class Outcome:
    """Per-playlist metrics of one strategy in one mode: ``values[i]`` is :data:`METRICS`."""

    mode: str
    strategy: str
    playlists: list[str] = field(default_factory=list)
    values: NDArray[np.float64] = field(default_factory=lambda: np.empty((0, len(METRICS))))


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


async def evaluate(
    store: VectorStore,
    data: EvalData,
    modes: Sequence[Mode],
    strategies: Mapping[str, Strategy],
    *,
    artists: IdArray | None = None,
    artist_cap: int | None = None,
    on_request: Callable[[], Any] | None = None,
) -> list[Outcome]:
    """Score each strategy in each mode: one ``recommend`` per (playlist, mode, strategy).

    Playlists with fewer than :data:`MIN_TRACKS` distinct tracks are left out, and so is a
    playlist in a mode that hides none of its tracks. With ``artist_cap``, each ranking
    keeps at most that many tracks per artist (``artists[row]``) before it is scored.
    """
    if artist_cap is not None and artists is None:
        raise ValueError("an artist cap needs the artists")
    limit = MAX_K * _CAP_HEADROOM if artist_cap is not None else MAX_K
    rows: dict[tuple[str, str], tuple[list[str], list[NDArray[np.float64]]]] = {
        (mode.label, name): ([], []) for mode in modes for name in strategies
    }
    for playlist_id, mode, seeds, hidden in _cases(data, modes):
        for name, strategy in strategies.items():
            ranking = await recommend(store, seeds, limit=limit, strategy=strategy)
            if np.isin(ranking.ids, seeds).any():
                raise AssertionError(f"{name} recommended a seed track of {playlist_id}")
            if artist_cap is not None and artists is not None:
                ranking = cap_per_group(ranking, artists[ranking.ids], artist_cap)
            ids, values = rows[(mode.label, name)]
            ids.append(playlist_id)
            values.append(score_ranking(ranking.ids[:MAX_K], hidden))
            if on_request is not None:
                on_request()
    return [
        Outcome(mode, name, ids, np.array(values).reshape(len(ids), len(METRICS)))
        for (mode, name), (ids, values) in rows.items()
    ]


def summarize(
    outcomes: Sequence[Outcome],
    *,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    baseline: str = BASELINE,
) -> list[dict[str, Any]]:
    """One JSON-ready row per (mode, strategy): each metric's mean and ``<metric>_ci``.

    When ``baseline`` ran too, each other strategy also gets ``<metric>_delta`` (its mean
    minus the baseline's, over the same playlists) and ``<metric>_delta_ci`` (paired).
    """
    reference = {o.mode: o for o in outcomes if o.strategy == baseline}
    out: list[dict[str, Any]] = []
    for o in outcomes:
        row: dict[str, Any] = {
            "mode": o.mode,
            "strategy": o.strategy,
            "playlists": len(o.playlists),
        }
        if not o.playlists:
            out.append(row | dict.fromkeys(METRICS))
            continue
        ci = bootstrap_ci(o.values, n_resamples=n_resamples, level=level, seed=seed)
        for j, name in enumerate(METRICS):
            row[name] = float(ci.mean[j])
            row[f"{name}_ci"] = [float(ci.low[j]), float(ci.high[j])]
        ref = reference.get(o.mode)
        if ref is not None and o.strategy != baseline and ref.playlists == o.playlists:
            diff = paired_bootstrap_ci(
                o.values, ref.values, n_resamples=n_resamples, level=level, seed=seed
            )
            for j, name in enumerate(METRICS):
                row[f"{name}_delta"] = float(diff.mean[j])
                row[f"{name}_delta_ci"] = [float(diff.low[j]), float(diff.high[j])]
        out.append(row)
    return out
