"""A command closes everything it opened, even when closing one of them fails."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from typer.testing import CliRunner

import segue.cli._demo as demo_command
from segue.catalog import Database, open_database
from segue.cli import app
from segue.errors import VectorStoreUnavailable
from segue.ingest import build_demo
from segue.settings import Settings
from segue.vectors import LocalVectorStore

SMALL: dict[str, Any] = {"tracks": 900, "artists": 60, "dim": 32}


def test_demo_closes_the_database_when_the_store_fails_to_close(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[str] = []

    class Store(LocalVectorStore):
        async def aclose(self) -> None:
            await super().aclose()
            raise VectorStoreUnavailable("the index's disk went away")

    class Db(Database):
        async def aclose(self) -> None:
            closed.append("database")
            await super().aclose()

    def open_db(settings: Settings) -> Database:
        real = open_database(settings)
        return Db(real.engine, real.sessionmaker, real.autocommit)

    monkeypatch.setattr(demo_command, "build_demo", partial(build_demo, **SMALL))
    monkeypatch.setattr(demo_command, "open_store", lambda s: Store(s.index_path))
    monkeypatch.setattr(demo_command, "open_database", open_db)
    res = CliRunner().invoke(app, ["demo", "--no-serve", "--data-dir", str(tmp_path)])
    assert res.exit_code == 2, res.output
    assert "the index's disk went away" in res.stderr
    assert closed == ["database"]
