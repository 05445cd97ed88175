"""The shared resources close in reverse order of opening, each even when another fails."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest

from segue.api import _resources
from segue.api._resources import open_resources
from segue.cache import MemoryCache, RedisLink
from segue.catalog import Database, open_database
from segue.errors import SegueError, Unavailable
from segue.recommendations import Recommender
from segue.recommendations import _open as _opening
from segue.settings import Settings
from segue.vectors import LocalVectorStore


class CloseFailed(Unavailable):
    """Raised by the part of the test told to fail on close."""


def recording(closed: list[str], failing: str) -> dict[tuple[object, str], Callable[..., object]]:
    """Stand-ins for the real factories, by the module that calls them (the lifespan, and
    ``open_recommender`` for Redis, the cache and the recommender): real parts that note
    when they are closed."""

    def close(name: str) -> None:
        closed.append(name)
        if name == failing:
            raise CloseFailed(f"{name} failed to close")

    class Db(Database):
        async def aclose(self) -> None:
            close("database")
            await super().aclose()

    class Store(LocalVectorStore):
        async def aclose(self) -> None:
            await super().aclose()
            close("store")

    class Cache(MemoryCache):
        async def aclose(self) -> None:
            await super().aclose()
            close("cache")

    class Link(RedisLink):
        async def aclose(self) -> None:
            await super().aclose()
            close("redis")

    class Rec(Recommender):
        async def aclose(self) -> None:
            await super().aclose()
            close("recommender")

    def open_db(settings: Settings) -> Database:
        real = open_database(settings)
        return Db(real.engine, real.sessionmaker, real.autocommit)

    return {
        (_resources, "open_database"): open_db,
        (_resources, "open_store"): lambda settings: Store(settings.index_path),
        (_opening, "open_cache"): lambda settings, link: Cache(),
        (_opening, "RedisLink"): Link,
        (_opening, "Recommender"): Rec,
    }


def expected_order(settings: Settings) -> list[str]:
    # The Redis link (shared by the cache and the rate limits) closes after the cache.
    link = ["redis"] if settings.redis_url is not None else []
    return ["recommender", "cache", *link, "store", "database"]


@pytest.mark.parametrize("failing", ["nothing", "recommender", "cache", "store"])
async def test_everything_is_closed_in_reverse_order(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    closed: list[str] = []
    for (module, name), factory in recording(closed, failing).items():
        monkeypatch.setattr(module, name, factory)
    expected = pytest.raises(CloseFailed) if failing != "nothing" else contextlib.nullcontext()
    with expected:
        async with open_resources(settings) as resources:
            assert await resources.store.count() == 0  # type: ignore[union-attr]
            assert closed == []
    assert closed == expected_order(settings)


async def test_a_failure_inside_is_not_hidden_by_closing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[str] = []
    for (module, name), factory in recording(closed, "nothing").items():
        monkeypatch.setattr(module, name, factory)
    with pytest.raises(SegueError, match="while serving"):
        async with open_resources(settings):
            raise SegueError("while serving")
    assert closed == expected_order(settings)
