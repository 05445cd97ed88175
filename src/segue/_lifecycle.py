"""``async with`` for anything with ``aclose()``, as ``httpx.AsyncClient`` offers it."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

__all__ = ["AsyncClosing", "AsyncResource"]


class AsyncResource(Protocol):
    """What a protocol of closable things (a store, a cache) promises: ``aclose()``, and
    ``async with`` that enters as the object itself and closes it on the way out."""

    async def aclose(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class AsyncClosing:
    """Mixin implementing :class:`AsyncResource` for a class that defines ``aclose()``.

    >>> async with open_database(settings) as database:  # doctest: +SKIP
    ...     await ensure_schema(database, migrate=True)

    ``aclose()`` stays public, for owners whose lifetime is not one block (a lifespan).
    """

    __slots__ = ()

    async def aclose(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
