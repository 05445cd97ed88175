"""The names settings validate against are the engine's registry, in its order."""

from segue._strategy_names import DEFAULT_STRATEGY, STRATEGY_NAMES
from segue.engine import STRATEGIES


def test_names_are_the_registry() -> None:
    assert tuple(STRATEGIES) == STRATEGY_NAMES


def test_default_is_registered_and_named_by_its_class() -> None:
    assert STRATEGIES[DEFAULT_STRATEGY]().name == DEFAULT_STRATEGY
