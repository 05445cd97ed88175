"""k-fold cross-validation of strategy constants over playlists (docs/evaluation.md).

Playlists go to folds by a hash of their id. For each fold, the constants are chosen on
the other folds and scored on this one, so every playlist's figure comes from a choice
made without it. The choice prefers the simpler candidate: the best by the objective,
unless on every goal cell a simpler one's shortfall from it is inside the paired
bootstrap interval.

    >>> fold_of("37i9dQZF1DX2ENAPP1Tyed", 5)
    3

:func:`cross_validate` runs the whole loop over a table of per-playlist figures
(``bench/crossval.py``, ``bench/together.py``):

    >>> cv = cross_validate(values, playlists, names, modes, baseline="adaptive", folds=5,
    ...                     column=column)  # doctest: +SKIP
    >>> print(cv.markdown())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._bootstrap import Interval, paired_bootstrap_ci
from ._protocol import playlist_seed

__all__ = [
    "GOAL_CELLS",
    "GUARD_CELLS",
    "Choice",
    "CrossValidation",
    "choose",
    "cross_validate",
    "fold_of",
    "objective",
]

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

    def interval(a: str, b: str, cell: tuple[str, str]) -> Interval:
        # The paired interval of a's values minus b's on one (mode, metric) cell.
        mode, metric = cell
        return paired_bootstrap_ci(
            values[(a, mode)][rows, column[metric]],
            values[(b, mode)][rows, column[metric]],
            n_resamples=n_resamples,
            seed=seed,
        )

    allowed = [
        c
        for c in candidates
        if not any(interval(c, baseline, cell).high[0] < 0 for cell in GUARD_CELLS)
    ]
    scores = {c: float(objective(values, c, baseline, rows, column).mean()) for c in allowed}
    best = max(allowed, key=lambda c: scores[c])
    for c in allowed:  # simplest first: the first the best does not clearly beat
        if c == best or not any(interval(best, c, cell).low[0] > 0 for cell in GOAL_CELLS):
            return Choice(c, best, scores)
    return Choice(best, best, scores)  # pragma: no cover - the loop reaches best


@dataclass(frozen=True, slots=True)
class CrossValidation:
    """The choice each fold's other folds made, and the figures it gets on the fold.

    ``order`` lists the playlists' rows fold by fold; ``chosen[mode]`` and ``best[mode]``
    are, row for row of ``order``, the figures of the candidate each fold's training
    playlists chose (the simplest close to the best) and of the best by the objective.
    ``everything`` is the choice made on all playlists.
    """

    choices: list[Choice]
    sizes: list[int]
    order: NDArray[np.intp]
    chosen: dict[str, NDArray[np.float64]]
    best: dict[str, NDArray[np.float64]]
    everything: Choice
    n_playlists: int

    def markdown(self) -> str:
        """The folds' table: each fold's choice, the best on the other folds, and their
        objectives; last, the choice on all playlists."""
        lines = [
            "| fold | playlists | chosen | best on the other folds | best's objective | chosen's |",
            "|---:|---:|---|---|---:|---:|",
        ]
        rows = [
            (str(f), n, c) for f, (n, c) in enumerate(zip(self.sizes, self.choices, strict=True))
        ]
        rows.append(("all", self.n_playlists, self.everything))
        for name, size, pick in rows:
            lines.append(
                f"| {name} | {size} | {pick.chosen} | {pick.best} | "
                f"{pick.scores[pick.best]:.3f} | {pick.scores[pick.chosen]:.3f} |"
            )
        return "\n".join(lines)


def cross_validate(
    values: Table,
    playlists: Sequence[str],
    candidates: Sequence[str],
    modes: Sequence[str],
    *,
    baseline: str,
    folds: int,
    column: Mapping[str, int],
) -> CrossValidation:
    """k-fold cross-validation of ``candidates`` (simplest first) over the per-playlist
    figures ``values[(candidate, mode)]`` (rows in the order of ``playlists``): for each
    fold, :func:`choose` on the other folds, then the choice's figures on the fold."""
    fold = np.array([fold_of(p, folds) for p in playlists])
    chosen: dict[str, list[NDArray[np.float64]]] = {m: [] for m in modes}
    best: dict[str, list[NDArray[np.float64]]] = {m: [] for m in modes}
    choices, sizes, order = [], [], []
    for f in range(folds):
        train = np.flatnonzero(fold != f)
        test = np.flatnonzero(fold == f)
        pick = choose(values, candidates, baseline=baseline, rows=train, column=column)
        for m in modes:
            chosen[m].append(values[(pick.chosen, m)][test])
            best[m].append(values[(pick.best, m)][test])
        choices.append(pick)
        sizes.append(int(test.size))
        order.append(test)
    everything = choose(
        values, candidates, baseline=baseline, rows=np.arange(len(playlists)), column=column
    )
    return CrossValidation(
        choices=choices,
        sizes=sizes,
        order=np.concatenate(order) if order else np.zeros(0, dtype=np.intp),
        chosen={m: np.vstack(rows) for m, rows in chosen.items()},
        best={m: np.vstack(rows) for m, rows in best.items()},
        everything=everything,
        n_playlists=len(playlists),
    )
