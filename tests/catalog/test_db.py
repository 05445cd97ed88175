"""The engine: URLs, SQLite pragmas, and a database that is down."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import QueuePool

from segue.catalog import Database, database_errors, normalize_url, open_database
from segue.errors import DatabaseUnavailable, InvalidInput, Misconfigured
from segue.settings import Settings

from ..support import free_port


def checked_in(database: Database) -> int:
    """Connections idle in the pool (both dialects' async engines pool with a QueuePool)."""
    pool = database.engine.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedin()


def test_default_url_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.database_is_embedded
    assert settings.catalog_url == f"sqlite+aiosqlite:///{tmp_path / 'segue.db'}"


def test_database_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGUE_DATABASE_URL", "postgresql://u@db.example/segue")
    settings = Settings()
    assert not settings.database_is_embedded
    assert settings.catalog_url == "postgresql://u@db.example/segue"


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u@h/d", "postgresql+asyncpg"),
        ("postgres://u@h/d", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg"),
        ("sqlite:///x.db", "sqlite+aiosqlite"),
    ],
)
def test_plain_urls_get_the_async_driver(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver


@pytest.mark.parametrize("url", ["mysql://u@h/d", "postgresql+psycopg2://u@h/d", "not a url"])
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(Misconfigured):
        normalize_url(url)


async def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    database = open_database(Settings(data_dir=tmp_path / "nested" / "dir"))
    try:
        async with database.engine.connect() as conn:
            mode = (await conn.execute(sa.text("PRAGMA journal_mode"))).scalar()
            busy = (await conn.execute(sa.text("PRAGMA busy_timeout"))).scalar()
            fks = (await conn.execute(sa.text("PRAGMA foreign_keys"))).scalar()
        assert (mode, busy, fks) == ("wal", 5000, 1)
        assert (tmp_path / "nested" / "dir" / "segue.db").exists()
    finally:
        await database.aclose()


async def test_ping_answers_when_up(database: Database) -> None:
    await database.ping()


async def test_postgresql_down_is_database_unavailable() -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/segue"
    database = open_database(Settings(database_url=url, database_connect_timeout=2))
    try:
        with pytest.raises(DatabaseUnavailable):
            await database.ping()
    finally:
        await database.aclose()


async def test_missing_postgresql_database_is_database_unavailable(
    postgres_database_url: str,
) -> None:
    url = sa.make_url(postgres_database_url).set(database="segue_test_does_not_exist")
    database = open_database(Settings(database_url=url.render_as_string(False)))
    try:
        with pytest.raises(DatabaseUnavailable, match="does not exist"):
            await database.ping()
    finally:
        await database.aclose()


async def test_statement_timeout_is_database_unavailable(postgres_database_url: str) -> None:
    settings = Settings(database_url=postgres_database_url, database_statement_timeout=0.2)
    database = open_database(settings)
    try:
        with pytest.raises(DatabaseUnavailable):
            async with database_errors(), database.engine.connect() as conn:
                await conn.execute(sa.text("SELECT pg_sleep(5)"))
        await database.ping()  # the pool recovers
    finally:
        await database.aclose()


def test_an_empty_database_url_means_the_embedded_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SEGUE_DATABASE_URL", "  ")
    settings = Settings(data_dir=tmp_path)
    assert settings.database_is_embedded
    assert settings.catalog_url.startswith("sqlite+aiosqlite:///")


async def test_async_with_closes_the_database_even_when_the_block_fails(tmp_path: Path) -> None:
    database = open_database(Settings(data_dir=tmp_path))

    async def fail_inside() -> None:
        async with database as entered:
            assert entered is database
            await database.ping()
            assert checked_in(database) == 1  # the ping's connection, kept pooled
            raise InvalidInput("the block failed")

    with pytest.raises(InvalidInput, match="the block failed"):
        await fail_inside()
    assert checked_in(database) == 0  # disposed: no connection left open


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_connections_opened_in_a_burst_stay_open(settings: Settings) -> None:
    # Pool 1 + overflow 2: three requests at once open three connections, and all three
    # are kept for the next burst (SQLAlchemy's default would close the two overflow ones
    # as they came back, and open two again next time).
    burst = settings.model_copy(
        update={
            "database_pool_size": 1,
            "database_max_overflow": 2,
            "database_connect_timeout": 0.5,
        }
    )
    async with open_database(burst) as database:
        pool = database.engine.pool
        assert isinstance(pool, QueuePool)
        async with (
            database.reading() as a,
            database.reading() as b,
            database.reading() as c,
        ):
            pids = {await conn.scalar(sa.text("SELECT pg_backend_pid()")) for conn in (a, b, c)}
            with pytest.raises(DatabaseUnavailable, match="no free connection"):
                # The most it opens is still pool size + overflow.
                async with database.reading():
                    pass
        assert len(pids) == 3
        assert pool.checkedin() == 3
        async with database.reading() as a, database.reading() as b, database.reading() as c:
            again = {await conn.scalar(sa.text("SELECT pg_backend_pid()")) for conn in (a, b, c)}
        assert again == pids
