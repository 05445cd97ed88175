"""A Recommender's cache key names what shapes its answers: built directly, as from
settings, its tag covers the duplicate and artist variety rules, so recommenders with
different rules never read each other's entries from a shared cache."""

from __future__ import annotations

from typing import Any

from segue.cache import NullCache
from segue.catalog import Database
from segue.recommendations import Recommender, resolve_strategy


def _tag(database: Database, **rules: Any) -> str:
    strategy = resolve_strategy(None)
    recommender = Recommender(
        database=database,
        store=None,
        cache=NullCache(),
        strategy=strategy,
        fallback=strategy,
        **rules,
    )
    return recommender.keys.config


def test_the_default_tag_covers_the_rules(database: Database):
    default = _tag(database)
    assert _tag(database) == default
    assert _tag(database, max_per_artist=0) != default
    assert _tag(database, near_duplicate_distance=0.0) != default
    assert _tag(database, max_per_artist=2) != _tag(database, max_per_artist=3)
