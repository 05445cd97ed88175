"""Configuration errors are the operator's, not the caller's: ``Misconfigured``, never a
4xx ``InvalidInput`` (issue 20 item 7)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segue.cache import open_cache
from segue.catalog import normalize_url
from segue.cli import app
from segue.errors import InvalidInput, Misconfigured
from segue.settings import Settings


def _redis_without_url(tmp_path: Path) -> object:
    return open_cache(Settings(data_dir=tmp_path, cache_backend="redis", redis_url=None))


def _not_a_url(tmp_path: Path) -> object:
    return normalize_url("not a url at all:99999999")


def _unsupported(tmp_path: Path) -> object:
    return normalize_url("mysql://root@127.0.0.1/segue")


@pytest.mark.parametrize(
    ("make", "names"),
    [
        (_redis_without_url, "SEGUE_REDIS_URL"),
        (_not_a_url, "postgresql://"),
        (_unsupported, "'mysql'"),
    ],
)
def test_a_wrong_setting_is_misconfigured_and_not_a_client_error(
    make: Callable[[Path], object], names: str, tmp_path: Path
) -> None:
    with pytest.raises(Misconfigured, match=names) as caught:
        make(tmp_path)
    assert not isinstance(caught.value, InvalidInput)
    assert caught.value.status_code == 500
    assert caught.value.error == "misconfigured"
    # An API client is not told which setting (nor its value).
    assert names not in caught.value.client_detail


def test_the_cli_names_the_setting_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEGUE_DATABASE_URL", "mysql://root@127.0.0.1/segue")
    result = CliRunner().invoke(app, ["token", "list", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "unsupported database 'mysql'" in result.output
