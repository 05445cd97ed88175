"""The strategies' names and the defaults settings need, without the engine (numpy).

``segue.settings`` validates ``SEGUE_STRATEGY`` against these names; importing
``segue.engine`` for them cost every command numpy before its work (issue 26). The engine
re-exports :data:`DEFAULT_STRATEGY` and :data:`DEFAULT_NEAR_DUPLICATE_DISTANCE`, and
``tests/engine/test_strategy_names.py`` holds :data:`STRATEGY_NAMES` to its registry.

    >>> DEFAULT_STRATEGY in STRATEGY_NAMES
    True
"""

from __future__ import annotations

__all__ = ["DEFAULT_NEAR_DUPLICATE_DISTANCE", "DEFAULT_STRATEGY", "STRATEGY_NAMES"]

#: every registered strategy, in the registry's order (``segue.engine.STRATEGIES``)
STRATEGY_NAMES: tuple[str, ...] = (
    "adaptive",
    "centroid",
    "clusters",
    "softmax",
    "blend",
    "together",
)

#: the service's default: the one that won the evaluation (docs/evaluation.md, issue 25:
#: ``together`` met the goals against ``blend`` cross-validated; without a co-occurrence
#: list, as in ``segue recommend``, it ranks exactly as ``blend``)
DEFAULT_STRATEGY = "together"

#: below this cosine distance to a playlist track a candidate counts as the same
#: recording (docs/evaluation.md, "Near-duplicate vectors", says how it was measured)
DEFAULT_NEAR_DUPLICATE_DISTANCE = 0.003
