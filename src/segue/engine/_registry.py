"""The strategies by name (``STRATEGIES``) and the default one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from segue.errors import InvalidInput

from ._blend import Blend, Softmax
from ._strategies import Adaptive, Centroid, Clusters
from ._strategy import Strategy

__all__ = ["DEFAULT_STRATEGY", "STRATEGIES", "get_strategy", "strategy_names"]

#: every strategy by name; each takes its constants as keyword arguments
STRATEGIES: dict[str, Callable[..., Strategy]] = {
    Adaptive.name: Adaptive,
    Centroid.name: Centroid,
    Clusters.name: Clusters,
    Softmax.name: Softmax,
    Blend.name: Blend,
}

#: the service's default: the one that won the evaluation (docs/evaluation.md)
DEFAULT_STRATEGY = Blend.name


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
