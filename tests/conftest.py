"""Shared fixtures: a real catalog database for each test, on PostgreSQL and on SQLite.

``database_url`` is parametrised, so every test that uses it runs on both. PostgreSQL
(``SEGUE_TEST_POSTGRES_URL``, default the local server) gets one database per test session,
named ``segue_test_<random>``, migrated once, emptied before each test and dropped at the
end. SQLite gets a fresh copy of a migrated file for each test. A PostgreSQL that cannot
be reached fails the tests: it is never skipped.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis
from sqlalchemy.engine import make_url

from segue.catalog import Database, open_database
from segue.catalog._models import Base
from segue.settings import Settings

from .support import POSTGRES_ADMIN_URL, REDIS_URL, migrate

# The ATProto stand-ins' fixtures, for every test directory (follow, embedding, access)
from .support.atproto_standins import (  # noqa: F401
    atproto_http,
    did_resolver,
    did_web_host,
    pds,
    plc_directory,
    relay,
    xrpc,
)

# Seconds: fail fast with a clear error when the server is not there.
_ADMIN_TIMEOUT = 10.0


async def _admin(*statements: str, database: str | None = None) -> None:
    url = make_url(POSTGRES_ADMIN_URL)
    if database is not None:
        url = url.set(database=database)
    conn = await asyncpg.connect(url.render_as_string(hide_password=False), timeout=_ADMIN_TIMEOUT)
    try:
        for statement in statements:
            await conn.execute(statement, timeout=_ADMIN_TIMEOUT)
    finally:
        await conn.close()


def _postgres_url(database: str) -> str:
    return make_url(POSTGRES_ADMIN_URL).set(database=database).render_as_string(False)


def create_postgres_database() -> str:
    """A new, empty PostgreSQL database; its name. Drop it with :func:`drop_postgres_database`."""
    name = f"segue_test_{secrets.token_hex(6)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    return name


def drop_postgres_database(name: str) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """This test session's own migrated PostgreSQL database (dropped at the end)."""
    name = create_postgres_database()
    try:
        url = _postgres_url(name)
        asyncio.run(migrate(url))
        yield url
    finally:
        drop_postgres_database(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating once is what costs)."""
    path = tmp_path_factory.mktemp("catalog-template") / "segue.db"
    asyncio.run(migrate(f"sqlite+aiosqlite:///{path}"))
    return path


# DELETE, children first, rather than TRUNCATE: on tables this small it is ~7x faster.
_EMPTY_TABLES = "; ".join(
    f"DELETE FROM {table.name}" for table in reversed(Base.metadata.sorted_tables)
)


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty, migrated catalog database, on each of PostgreSQL and SQLite."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_database_url")
        asyncio.run(_admin(_EMPTY_TABLES, database=make_url(url).database))
        return url
    template: Path = request.getfixturevalue("sqlite_template")
    path = tmp_path / "segue.db"
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a database with no tables yet: a new PostgreSQL database, or a new SQLite file.

    Parametrise it indirectly (``@pytest.mark.parametrize("empty_database_url",
    ["postgresql", "sqlite"], indirect=True)``).
    """
    if request.param == "postgresql":
        name = create_postgres_database()
        try:
            yield _postgres_url(name)
        finally:
            drop_postgres_database(name)
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at this test's catalog database and a private data dir."""
    return Settings(database_url=database_url, data_dir=tmp_path / "data")


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The catalog database, opened for this test and closed after it."""
    async with open_database(settings) as db:
        yield db


@pytest.fixture(scope="session")
def redis_admin() -> Iterator[redis.Redis]:
    """A synchronous client of the shared Redis, for setup, inspection and cleanup."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:  # say what is missing, never skip
        pytest.fail(f"the cache tests need a real Redis at {REDIS_URL}: {exc}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def key_prefix(redis_admin: redis.Redis) -> Iterator[str]:
    """This run's key prefix; every key under it is deleted when the run ends."""
    prefix = f"segue-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    pattern = f"{prefix}:*"
    for key in redis_admin.scan_iter(match=pattern, count=1000):
        redis_admin.delete(key)
    assert not list(redis_admin.scan_iter(match=pattern)), "test keys left behind"
