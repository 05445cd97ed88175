"""The strategies by name: what ``SEGUE_STRATEGY``, ``--strategy`` and ``segue eval`` accept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from segue._strategy_names import DEFAULT_STRATEGY
from segue.errors import InvalidInput

from ._blend import Blend, Softmax
from ._protocol import Strategy
from ._strategies import Adaptive, Centroid, Clusters
from ._together import Together

__all__ = ["DEFAULT_STRATEGY", "STRATEGIES", "get_strategy", "strategy_names"]

#: every strategy by name; each takes its constants as keyword arguments.
#: ``together``, the default, is ``blend`` plus what other playlists put with the seeds
#: (the caller reads that list: docs/evaluation.md, issue 25); ``centroid`` the
#: fallback plan under load (SEGUE_FALLBACK_STRATEGY); ``adaptive`` the baseline
#: ``segue eval`` compares against.
#: ``clusters`` and ``softmax`` are kept to reproduce the evaluation (docs/evaluation.md):
#: one registry means every name in an evaluation table is one ``SEGUE_STRATEGY``,
#: ``segue recommend --strategy`` and ``segue eval --strategy`` accept alike, so a figure
#: can be checked on a live catalog; an unchosen strategy costs nothing (a frozen
#: dataclass, no resources).
STRATEGIES: dict[str, Callable[..., Strategy]] = {
    Adaptive.name: Adaptive,
    Centroid.name: Centroid,
    Clusters.name: Clusters,
    Softmax.name: Softmax,
    Blend.name: Blend,
    Together.name: Together,
}

# DEFAULT_STRATEGY (``together``, the one that won the evaluation) lives in
# segue._strategy_names, with the names, so settings need not import the engine.


def strategy_names() -> list[str]:
    """The registered names, baseline first.

    >>> strategy_names()[0]
    'adaptive'
    """
    return list(STRATEGIES)


def get_strategy(name: str, **params: Any) -> Strategy:
    """The strategy registered as ``name``, with its constants overridden by ``params``.

    >>> get_strategy("softmax", temperature=0.2).temperature
    0.2
    """
    try:
        factory = STRATEGIES[name]
    except KeyError:
        known = ", ".join(STRATEGIES)
        raise InvalidInput(f"unknown strategy {name!r}; known: {known}") from None
    try:
        return factory(**params)
    except TypeError as exc:  # an unknown keyword: the caller named a constant that is not one
        raise InvalidInput(f"strategy {name!r}: {exc}") from None
