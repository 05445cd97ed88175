"""What names a configuration in the cache key: the strategy, the rules, the vector store."""

from __future__ import annotations

import hashlib

from segue.engine import Strategy
from segue.settings import Settings

from ._pipeline import resolve_strategy

__all__ = ["config_digest", "rule_parts", "settings_digest"]


def settings_digest(settings: Settings) -> str:
    """:func:`config_digest` of what in ``settings`` shapes an answer: the strategy, the
    duplicate and artist variety rules, and the vector store's identity (backend, index
    path or turbopuffer namespace) and its search (index type, search depth)."""
    return config_digest(
        resolve_strategy(settings.strategy),
        *rule_parts(settings.near_duplicate_distance, settings.max_per_artist),
        settings.vector_backend.value,
        # which index: two deployments sharing one Redis must not share entries
        str(settings.index_path.resolve()),
        settings.turbopuffer_base_url or settings.turbopuffer_region or "",
        settings.turbopuffer_namespace,
        settings.local_index_dtype.value,
        str(settings.local_ef_search),
    )


def config_digest(strategy: Strategy, *parts: str) -> str:
    """Eight hex digits naming a configuration: the strategy with its constants, and
    ``parts`` (the vector store's identity). Stable across processes and restarts.

        >>> from segue.engine import Adaptive
        >>> config_digest(Adaptive()) == config_digest(Adaptive(rrf_k=10))
        False
    """
    text = "\x1f".join((repr(strategy), *parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def rule_parts(near_duplicate_distance: float, max_per_artist: int) -> tuple[str, str]:
    """The duplicate and artist variety rules, as the configuration digest names them."""
    return (
        f"near_duplicate_distance={near_duplicate_distance!r}",
        f"max_per_artist={max_per_artist}",
    )
