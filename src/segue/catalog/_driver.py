"""The cache hit's statements on asyncpg's own connection, past SQLAlchemy's execute path.

A cache hit runs two short reads (the playlist's head, one hydration). Through SQLAlchemy
Core each costs more Python than the round trip itself (the profile in
docs/benchmarks.md: about a sixth of a hit's CPU). A :class:`DriverStatement` is the same
Core statement, compiled once to asyncpg's ``$n`` placeholders, and :func:`fetch_rows` runs
it on the driver connection under a plain connection (``Database.reading()``), through
asyncpg's statement cache (prepared once per connection). Anything else (SQLite, an ORM
session) runs the statement through SQLAlchemy as before, so the two paths cannot drift:
one statement, two ways of sending it.

    _HEAD = DriverStatement(sa.select(Playlist.owner_did).where(...))
    rows = await fetch_rows(conn, _HEAD, {"playlist_id": "3kq2d7x4m5abc"})
    rows[0][0]  # rows index like SQLAlchemy's (asyncpg Records)

A failure on the driver's path other than the statement timeout is not interpreted here:
the statement runs again through SQLAlchemy on the same connection, which meets the same
broken connection and does what it always does with it (invalidates it and the pool's
older connections, raises its own error, which ``database_errors`` turns into a 503). A
read that fails is a read again; nothing is written on this path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ._db import database_errors

__all__ = ["DriverStatement", "fetch_rows"]

# Compiles with asyncpg's own placeholders ($1, $2, ...) instead of the DB-API's.
_DIALECT = PGDialect_asyncpg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]


class DriverStatement:
    """A Core statement and, compiled on first use, its asyncpg text and parameter order."""

    __slots__ = ("_fixed", "_names", "_sql", "statement")

    def __init__(self, statement: sa.Executable) -> None:
        self.statement = statement
        self._sql: str | None = None
        self._names: tuple[str, ...] = ()
        self._fixed: dict[str, Any] = {}

    def sql_and_args(self, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The asyncpg text and positional arguments for ``params`` (the bind names)."""
        if self._sql is None:
            compiled = self.statement.compile(dialect=_DIALECT)  # type: ignore[attr-defined]
            # Literal values bound in the statement itself (a WHERE name = 'x'): kept.
            self._fixed = dict(compiled.params)
            self._names = tuple(compiled.positiontup or ())
            self._sql = str(compiled)
        return self._sql, [
            params[name] if name in params else self._fixed[name] for name in self._names
        ]


async def fetch_rows(
    reader: AsyncConnection | AsyncSession, statement: DriverStatement, params: Mapping[str, Any]
) -> Sequence[Any]:
    """Every row of ``statement`` with ``params``: on asyncpg's connection when ``reader``
    is a plain PostgreSQL connection, else through SQLAlchemy. Outages raise
    :class:`~segue.errors.DatabaseUnavailable` either way."""
    driver = _driver_of(reader)
    if driver is not None:
        sql, args = statement.sql_and_args(params)
        try:
            rows: Sequence[Any] = await driver.fetch(sql, *args)
            return rows
        except TimeoutError:
            # The statement timeout (asyncpg's command_timeout): no second try, which would
            # double the wait; database_errors makes it the generic path's 503.
            async with database_errors():
                raise
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            pass  # SQLAlchemy's turn: see the module's docstring
    async with database_errors():
        return (await reader.execute(statement.statement, params)).all()


def _driver_of(reader: AsyncConnection | AsyncSession) -> asyncpg.Connection | None:
    if not isinstance(reader, AsyncConnection) or reader.dialect.driver != "asyncpg":
        return None
    sync = reader.sync_connection
    if sync is None or sync.invalidated or sync.closed:
        return None  # SQLAlchemy's path says what is wrong with it
    # Read without a greenlet hop (get_raw_connection() takes one): a started, valid
    # connection holds its DB-API connection, so this property does no I/O.
    driver = sync.connection.driver_connection
    return driver if isinstance(driver, asyncpg.Connection) else None
