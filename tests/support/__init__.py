"""What tests in several folders share: the service addresses, free ports, servers of their own.

    from ..support import REDIS_URL, RedisServer, free_port

(``conftest.py`` files cannot be imported by name, so shared helpers live here.)
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import numpy as np

from segue.catalog import open_database, upgrade
from segue.engine import FloatMatrix, normalize
from segue.settings import Settings

from .servers import PostgresServer, RedisServer, free_port, wait_for

__all__ = [
    "POSTGRES_ADMIN_URL",
    "REDIS_URL",
    "MovesCounted",
    "PostgresServer",
    "RedisServer",
    "asyncpg_own",
    "free_port",
    "migrate",
    "segue_binary",
    "unit_vectors",
    "wait_for",
]

POSTGRES_ADMIN_URL = os.environ.get(
    "SEGUE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("SEGUE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class MovesCounted:
    """An index generation that counts its moves, for tests of a store with no catalog
    behind it (the catalog's own, ``CatalogIndexGeneration``, is tested in tests/api)."""

    def __init__(self) -> None:
        self.moves = 0

    async def move(self) -> None:
        self.moves += 1


async def migrate(url: str) -> None:
    """Bring the catalog at ``url`` to the newest schema."""
    database = open_database(Settings(database_url=url))
    try:
        await upgrade(database)
    finally:
        await database.aclose()


def segue_binary() -> str:
    """The installed ``segue`` command (the one beside this Python first)."""
    found = shutil.which("segue", path=str(Path(sys.executable).parent)) or shutil.which("segue")
    assert found, "the segue command is not installed (uv sync)"
    return found


def asyncpg_own(query: str) -> bool:
    """Whether asyncpg sent ``query`` itself: its look-up of a type it has not met on this
    connection yet (once per connection and type, with JIT off around it), not a statement
    of Segue's. For tests that count statements with asyncpg's query logger."""
    return "typeinfo_tree" in query or "set_config('jit'" in query


def unit_vectors(n: int, d: int = 8, seed: int = 0) -> FloatMatrix:
    """``n`` random unit rows of ``d`` float32s, the same for the same ``seed``.

    >>> unit_vectors(2, d=3).shape
    (2, 3)
    """
    return normalize(np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32))
