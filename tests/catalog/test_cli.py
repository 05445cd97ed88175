"""``segue db upgrade`` and ``segue token create/revoke``, run through typer's CliRunner."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segue.catalog import (
    UserView,
    current_revision,
    get_user,
    head_revision,
    open_database,
    verify_token,
)
from segue.cli import app
from segue.errors import Unauthorized
from segue.settings import Settings

TOKEN = re.compile(r"segue_[a-z2-7]{16}_[A-Za-z0-9_-]{43}")
BOTH = pytest.mark.parametrize("empty_database_url", ["postgresql", "sqlite"], indirect=True)

runner = CliRunner()


def _use(monkeypatch: pytest.MonkeyPatch, url: str | None) -> None:
    if url is None:
        monkeypatch.delenv("SEGUE_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("SEGUE_DATABASE_URL", url)


def _verify(settings: Settings, token: str) -> UserView:
    async def go() -> UserView:
        database = open_database(settings)
        try:
            async with database.sessionmaker() as session:
                return await verify_token(session, token)
        finally:
            await database.aclose()

    return asyncio.run(go())


def _revision(settings: Settings) -> str | None:
    async def go() -> str | None:
        database = open_database(settings)
        try:
            return await current_revision(database)
        finally:
            await database.aclose()

    return asyncio.run(go())


@BOTH
def test_db_upgrade(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, empty_database_url)
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert head_revision() in result.stderr
    assert _revision(Settings(database_url=empty_database_url)) == head_revision()
    # Again: nothing to do, still fine.
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0


def test_db_upgrade_defaults_to_sqlite_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, None)
    result = runner.invoke(app, ["db", "upgrade", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "segue.db").exists()
    assert _revision(Settings(data_dir=tmp_path / "data")) == head_revision()


def test_token_create_prints_the_token_alone_and_it_works(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, database_url)
    args = ["token", "create", "--did", "did:plc:dana", "--handle", "dana.example.com"]
    result = runner.invoke(app, [*args, "--display-name", "Dana"])
    assert result.exit_code == 0, result.output
    token = result.stdout.removesuffix("\n")
    assert TOKEN.fullmatch(token), result.stdout
    settings = Settings(database_url=database_url)
    assert _verify(settings, token) == UserView("did:plc:dana", "dana.example.com", "Dana")

    # Again for the same DID: the user is updated, a second token issued, the first kept.
    again = runner.invoke(app, [*args, "--display-name", "Dana D."])
    assert again.exit_code == 0, again.output
    second = again.stdout.strip()
    assert TOKEN.fullmatch(second)
    assert second != token
    assert _verify(settings, token).display_name == "Dana D."


def test_token_create_on_a_fresh_embedded_database_migrates_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, None)
    data_dir = tmp_path / "data"
    result = runner.invoke(
        app,
        [
            "token",
            "create",
            "--did",
            "did:plc:erin",
            "--handle",
            "erin.example.com",
            "--data-dir",
            str(data_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert _verify(Settings(data_dir=data_dir), result.stdout.strip()).did == "did:plc:erin"


@pytest.mark.parametrize("empty_database_url", ["postgresql"], indirect=True)
def test_token_create_refuses_an_unmigrated_shared_database(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, empty_database_url)
    result = runner.invoke(
        app, ["token", "create", "--did", "did:plc:f", "--handle", "f.example.com"]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    # Rich wraps long lines on stderr; compare the words.
    assert "run `segue db upgrade`" in " ".join(result.stderr.split())


@pytest.mark.parametrize(
    "args",
    [
        ["--did", "not-a-did", "--handle", "ok.example.com"],
        ["--did", "did:plc:ok", "--handle", "no spaces.example.com"],
    ],
)
def test_token_create_validates(
    database_url: str, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    _use(monkeypatch, database_url)
    result = runner.invoke(app, ["token", "create", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "error:" in result.stderr


def test_token_revoke(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, database_url)
    created = runner.invoke(
        app, ["token", "create", "--did", "did:plc:gil", "--handle", "gil.example.com"]
    )
    token = created.stdout.strip()
    token_id = token.split("_")[1]
    settings = Settings(database_url=database_url)

    result = runner.invoke(app, ["token", "revoke", token_id])
    assert result.exit_code == 0, result.output
    assert token_id in result.stderr
    with pytest.raises(Unauthorized):
        _verify(settings, token)

    # The whole token is refused (the secret would land in the shell's history), with the
    # id to use instead, and the token keeps working.
    other = runner.invoke(
        app, ["token", "create", "--did", "did:plc:gil", "--handle", "gil.example.com"]
    ).stdout.strip()
    refused = runner.invoke(app, ["token", "revoke", other])
    assert refused.exit_code == 2
    assert f"segue token revoke {other.split('_')[1]}" in " ".join(refused.stderr.split())
    assert _verify(settings, other).did == "did:plc:gil"

    unknown = runner.invoke(app, ["token", "revoke", "aaaaaaaaaaaaaaaa"])
    assert unknown.exit_code == 2
    assert "no such token" in unknown.stderr


def test_user_is_stored_by_token_create(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, database_url)
    runner.invoke(app, ["token", "create", "--did", "did:plc:hal", "--handle", "HAL.example.com"])

    async def go() -> UserView:
        database = open_database(Settings(database_url=database_url))
        try:
            async with database.sessionmaker() as session:
                return await get_user(session, "did:plc:hal")
        finally:
            await database.aclose()

    assert asyncio.run(go()) == UserView("did:plc:hal", "hal.example.com", None)


def _set_revision(settings: Settings, revision: str) -> None:
    import sqlalchemy as sa

    async def go() -> None:
        database = open_database(settings)
        try:
            async with database.engine.begin() as conn:
                await conn.execute(
                    sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision}
                )
        finally:
            await database.aclose()

    asyncio.run(go())


@BOTH
def test_a_database_newer_than_this_segue_is_named_as_such(
    empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 26: every command said "run `segue db upgrade`", which then failed with a traceback.
    _use(monkeypatch, empty_database_url)
    data = ["--data-dir", str(tmp_path / "data")]
    settings = Settings(database_url=empty_database_url, data_dir=tmp_path / "data")
    result = runner.invoke(app, ["db", "current", *data])
    assert (result.exit_code, result.stdout.split()[:2]) == (1, ["none", "behind"])
    assert runner.invoke(app, ["db", "upgrade", *data]).exit_code == 0
    result = runner.invoke(app, ["db", "current", *data])
    assert (result.exit_code, result.stdout.strip()) == (0, f"{head_revision()} current")

    _set_revision(settings, "0999")  # what a later Segue's migration would leave
    result = runner.invoke(app, ["db", "current", *data])
    assert result.exit_code == 1
    assert result.stdout.startswith("0999 newer")
    for command in (["db", "upgrade"], ["token", "list"]):
        result = runner.invoke(app, [*command, *data])
        assert result.exit_code == 2, result.output
        assert "0999, which this Segue" in result.stderr
        assert "newer Segue has upgraded it" in result.stderr
        assert "run `segue db upgrade`" not in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _revision(settings) == "0999"  # nothing was touched


def test_version() -> None:
    from segue import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"segue {__version__} (catalog schema {head_revision()})"


def test_the_changelog_names_the_schema_revision_this_release_accepts() -> None:
    # CHANGELOG.md's newest section says which revision a release accepts; it had fallen
    # three migrations behind the code.
    changelog = Path(__file__).resolve().parents[2] / "CHANGELOG.md"
    newest = changelog.read_text(encoding="utf-8").split("\n## ", 2)[1]
    accepted = re.search(r"Schema: accepts \*\*(\d{4})\*\*", newest)
    assert accepted is not None, "the newest section says no schema revision"
    assert accepted.group(1) == head_revision()


def test_token_list_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    _use(monkeypatch, None)
    data = ["--data-dir", str(tmp_path / "data")]
    made = runner.invoke(
        app, ["token", "create", "--did", "did:plc:jsonlist", "--handle", "j.example.com", *data]
    )
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["token", "list", "--json", *data])
    assert result.exit_code == 0, result.output
    (token,) = json.loads(result.stdout)
    assert token["did"] == "did:plc:jsonlist"
    assert token["handle"] == "j.example.com"
    assert made.stdout.strip().split("_")[1] == token["id"]
    assert token["revoked_at"] is None
    assert token["created_at"].endswith("+00:00")
    assert made.stdout.strip() not in result.stdout  # never the secret
    assert token["platform"] is None
    platform = runner.invoke(app, ["token", "create", "--platform", "plyr.fm", *data])
    assert platform.exit_code == 0, platform.output
    listed = json.loads(runner.invoke(app, ["token", "list", "--json", *data]).stdout)
    # A platform's token acts for every user: the listing says whose it is.
    assert {(t["did"], t["platform"]) for t in listed} == {
        ("did:plc:jsonlist", None),
        (None, "plyr.fm"),
    }
