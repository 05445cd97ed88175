"""Settings errors an operator can read (issue 26, item 5): one line per bad variable,
naming it and what it accepts, exit 2; a warning for an unknown ``SEGUE_*`` variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from segue._settings_load import load_settings, unknown_variables
from segue.cli import app
from segue.errors import SettingsInvalid

runner = CliRunner()


def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("SEGUE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SEGUE_DATA_DIR", str(tmp_path / "data"))


def test_each_bad_variable_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _clean(monkeypatch, tmp_path)
    monkeypatch.setenv("SEGUE_STRATEGY", "bogus")
    monkeypatch.setenv("SEGUE_VECTOR_BACKEND", "faiss")
    monkeypatch.setenv("SEGUE_WORKERS", "two")
    result = runner.invoke(app, ["token", "list"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3, result.stderr
    by_name = {line.split(":")[1].strip(): line for line in lines}
    assert set(by_name) == {"SEGUE_STRATEGY", "SEGUE_VECTOR_BACKEND", "SEGUE_WORKERS"}
    assert "adaptive" in by_name["SEGUE_STRATEGY"]  # what it accepts
    assert "'local', 'turbopuffer' or 'disabled'" in by_name["SEGUE_VECTOR_BACKEND"]
    assert "integer" in by_name["SEGUE_WORKERS"]
    assert "Traceback" not in result.output


def test_a_secret_is_never_echoed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _clean(monkeypatch, tmp_path)
    monkeypatch.setenv("SEGUE_TURBOPUFFER_BASE_URL", "http://tpuf.example.com")  # not TLS
    monkeypatch.setenv("SEGUE_DATABASE_POOL_SIZE", "-4")
    with pytest.raises(SettingsInvalid) as caught:
        load_settings()
    problems = caught.value.problems
    assert len(problems) == 2
    assert any(p.startswith("SEGUE_DATABASE_POOL_SIZE: ") and "-4" in p for p in problems)
    # A secret that fails is named, its value never shown.
    monkeypatch.delenv("SEGUE_TURBOPUFFER_BASE_URL")
    monkeypatch.delenv("SEGUE_DATABASE_POOL_SIZE")
    with pytest.raises(SettingsInvalid) as caught:
        load_settings(redis_url=987654321)
    (line,) = caught.value.problems
    assert line.startswith("SEGUE_REDIS_URL: ")
    assert "987654321" not in line


def test_an_unknown_variable_is_a_warning_with_a_guess(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _clean(monkeypatch, tmp_path)
    monkeypatch.setenv("SEGUE_STRATEGYY", "adaptive")
    monkeypatch.setenv("SEGUE_TEST_POSTGRES_URL", "postgresql://x")  # a tool's, not a setting
    assert unknown_variables() == ["SEGUE_STRATEGYY"]
    result = runner.invoke(app, ["token", "list"])
    assert result.exit_code == 0, result.output
    assert (
        "warning: SEGUE_STRATEGYY is not a Segue setting, ignored "
        "(did you mean SEGUE_STRATEGY?)" in result.stderr
    )
