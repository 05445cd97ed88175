"""k-fold cross-validation of strategy constants over playlists (docs/evaluation.md).

Playlists go to folds by a hash of their id. For each fold, the constants are chosen on
the other folds and scored on this one, so every playlist's figure comes from a choice
made without it. The choice prefers the simpler candidate: the best by the objective,
unless on every goal cell a simpler one's shortfall from it is inside the paired
bootstrap interval.

    >>> fold_of("37i9dQZF1DX2ENAPP1Tyed", 5)
    3
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._bootstrap import paired_bootstrap_ci
from ._protocol import playlist_seed

__all__ = ["GOAL_CELLS", "GUARD_CELLS", "Choice", "choose", "fold_of", "objective"]

#: the (mode, metric) cells the objective sums, each relative to the baseline's mean
GOAL_CELLS = (("80%", "R@50"), ("80%", "HR@10"), ("n=10", "R@50"), ("n=10", "HR@10"))
#: cells where a candidate must not lose to the baseline (paired interval below zero)
GUARD_CELLS = tuple((m, k) for m in ("n=1", "n=3", "n=5") for k in ("R@50", "HR@10"))

# values[(candidate, mode)]: (playlists, metrics) per-playlist values in one fixed order
Table = Mapping[tuple[str, str], NDArray[np.float64]]


def fold_of(playlist_id: str, k: int) -> int:
    """The fold of a playlist: a hash of its id (not its shuffle seed) modulo ``k``."""
    return playlist_seed(f"fold:{playlist_id}") % k


def objective(
    values: Table, candidate: str, baseline: str, rows: NDArray[np.intp], column: Mapping[str, int]
) -> NDArray[np.float64]:
    """Per playlist (of ``rows``): the sum over :data:`GOAL_CELLS` of its value divided by
    the baseline's mean on ``rows``; its mean is the sum of the ratios of means."""
    total = np.zeros(rows.size)
    for mode, metric in GOAL_CELLS:
        base = float(values[(baseline, mode)][rows, column[metric]].mean())
        total += values[(candidate, mode)][rows, column[metric]] / max(base, 1e-12)
    return total


@dataclass(frozen=True, slots=True)
class Choice:
    """What one fold's training playlists chose, and what was close to it."""

    chosen: str
    best: str
    scores: dict[str, float]


def choose(
    values: Table,
    candidates: Sequence[str],
    *,
    baseline: str,
    rows: NDArray[np.intp],
    column: Mapping[str, int],
    n_resamples: int = 1000,
    seed: int = 0,
) -> Choice:
    """The simplest of ``candidates`` (listed simplest first) that the best by
    :func:`objective` does not beat on any :data:`GOAL_CELLS` cell beyond the paired 95%
    interval (the gain is inside the interval: the simpler choice stays), among those
    that lose no :data:`GUARD_CELLS` cell to ``baseline`` beyond its interval."""
    allowed = []
    for c in candidates:
        losses = [
            paired_bootstrap_ci(
                values[(c, mode)][rows, column[metric]],
                values[(baseline, mode)][rows, column[metric]],
                n_resamples=n_resamples,
                seed=seed,
            ).high[0]
            < 0
            for mode, metric in GUARD_CELLS
        ]
        if not any(losses):
            allowed.append(c)
    scores = {c: float(objective(values, c, baseline, rows, column).mean()) for c in allowed}
    best = max(allowed, key=lambda c: scores[c])
    for c in allowed:  # simplest first: the first the best does not clearly beat
        if c == best or not any(
            paired_bootstrap_ci(
                values[(best, mode)][rows, column[metric]],
                values[(c, mode)][rows, column[metric]],
                n_resamples=n_resamples,
                seed=seed,
            ).low[0]
            > 0
            for mode, metric in GOAL_CELLS
        ):
            return Choice(c, best, scores)
    return Choice(best, best, scores)  # pragma: no cover - the loop reaches best
