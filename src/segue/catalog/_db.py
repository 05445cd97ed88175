"""The catalog's engine and sessions: created once per process, shared by every request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from segue._files import private_dir, private_file
from segue._lifecycle import AsyncClosing
from segue.errors import DatabaseUnavailable, Misconfigured
from segue.settings import Settings

__all__ = ["Database", "database_errors", "normalize_url", "open_database"]

# Plain URLs as people write them, mapped to the async driver Segue uses.
_ASYNC_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}


def normalize_url(url: str | URL) -> URL:
    """``url`` with Segue's async driver, rejecting databases Segue does not support.

    >>> normalize_url("postgresql://postgres@127.0.0.1/segue").drivername
    'postgresql+asyncpg'
    """
    try:
        parsed = make_url(url)
    except (sa_exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        # Not SQLAlchemy's message: it quotes the whole URL, password included.
        raise Misconfigured("not a database URL: use postgresql://... or sqlite:///...") from None
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None:
        raise Misconfigured(
            f"unsupported database {parsed.drivername!r}: use postgresql://... or sqlite:///..."
        )
    return parsed.set(drivername=driver)


@dataclass(frozen=True, slots=True)
class Database(AsyncClosing):
    """The engine and its session factory; open once with :func:`open_database`.

    ``async with`` closes it on the way out (a lifespan may call :meth:`aclose` instead):

    >>> async with open_database(Settings()) as db:  # doctest: +SKIP
    ...     async with db.sessionmaker() as session:
    ...         playlist = await get_playlist(session, "3kq2...")
    """

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    #: the same engine and pool, handing out autocommit connections (see :meth:`reading`)
    autocommit: AsyncEngine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A plain connection for reads, outside any transaction (autocommit).

        No ORM session and no BEGIN/ROLLBACK round trips: the hot path's reads cost one
        round trip each, and each statement sees its own snapshot (read what must agree
        in one statement). Outages become :class:`DatabaseUnavailable`.

            >>> async with db.reading() as conn:  # doctest: +SKIP
            ...     head = await playlist_head(conn, "3kq2d7x4m5abc")
        """
        async with database_errors(), self.autocommit.connect() as conn:
            yield conn

    async def ping(self) -> None:
        """Raise :class:`DatabaseUnavailable` unless the database answers ``SELECT 1``."""
        async with database_errors(), self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def aclose(self) -> None:
        """Close the pool's connections; the engine is not to be used afterwards."""
        await self.engine.dispose()


def open_database(settings: Settings) -> Database:
    """Create the engine and sessionmaker for ``settings.catalog_url``; call once per process.

    PostgreSQL gets a bounded pool, a connect timeout and a statement timeout; SQLite gets
    WAL (readers never wait for the writer), a busy timeout and foreign keys switched on.
    """
    url = normalize_url(settings.catalog_url)
    if url.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url, settings)
    else:
        engine = _create_async_engine(
            url,
            # Every connection opened is kept, up to size + overflow: SQLAlchemy's pool
            # closes an overflow connection as soon as it comes back to a full pool, so a
            # busy process opened one on every burst (a connect, its TLS attempt and
            # asyncpg's type look-ups; 3-4 a second under the serving benchmark, issue 20).
            # The most it opens is the same, as is the wait for one past it.
            pool_size=settings.database_pool_size + settings.database_max_overflow,
            max_overflow=0,
            # Waiting longer for a pooled connection than for the database itself is pointless.
            pool_timeout=settings.database_connect_timeout,
            # No round trip per checkout: a connection broken by a database restart fails
            # one request, and that disconnect invalidates the whole pool, so every other
            # stale connection is replaced on its next checkout.
            pool_pre_ping=False,
            pool_recycle=1800,
            connect_args={
                "timeout": settings.database_connect_timeout,
                "command_timeout": settings.database_statement_timeout,
                "server_settings": {"application_name": "segue"},
            },
        )
    # expire_on_commit=False: services return plain values read before commit.
    return Database(
        engine,
        async_sessionmaker(engine, expire_on_commit=False),
        engine.execution_options(isolation_level="AUTOCOMMIT"),
    )


def _sqlite_engine(url: URL, settings: Settings) -> AsyncEngine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        # Made here, before SQLite would make it 0644: SQLite gives its -wal and -shm files
        # the database file's mode, so all three are the owner's only (issue 13).
        private_dir(Path(database).parent)
        private_file(Path(database))
    busy_ms = int(settings.database_statement_timeout * 1000)
    engine = _create_async_engine(url, connect_args={"timeout": settings.database_connect_timeout})

    @sa.event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute("PRAGMA foreign_keys=ON")
            # Safe with WAL: a power loss may drop the last commits, never corrupt the file.
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return engine


# SQLSTATE classes that mean "the database cannot serve us now", not "the query is wrong":
# connection exception, invalid authorization, invalid catalog (no such database),
# insufficient resources (too many connections), operator intervention (shutdown, cancel).
_UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "28", "3D", "53", "57"})


@asynccontextmanager
async def database_errors() -> AsyncIterator[None]:
    """Turn "the database is down, slow or locked" into :class:`DatabaseUnavailable` (503).

    Constraint violations and programming errors pass through unchanged: they are bugs
    or conflicts for the caller, not outages.

        >>> async with database_errors():  # doctest: +SKIP
        ...     await session.execute(stmt)
    """
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
        # Connection refused or lost, statement timeout, SQLite "database is locked".
        raise DatabaseUnavailable(f"database unavailable: {_first_line(exc.orig)}") from exc
    except sa_exc.DBAPIError as exc:
        sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
        if exc.connection_invalidated or sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES:
            raise DatabaseUnavailable(f"database unavailable: {_first_line(exc.orig)}") from exc
        raise
    except sa_exc.TimeoutError as exc:
        # No pooled connection became free within pool_timeout.
        raise DatabaseUnavailable("database unavailable: no free connection in the pool") from exc
    except (OSError, TimeoutError) as exc:
        # asyncpg raises these unwrapped: refused or unreachable while connecting, and
        # command_timeout (the statement timeout) expiring.
        raise DatabaseUnavailable(f"database unavailable: {_first_line(exc)}") from exc


def _first_line(exc: BaseException | None) -> str:
    text = str(exc) if exc is not None else ""
    return text.splitlines()[0] if text else type(exc).__name__
