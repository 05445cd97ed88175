"""``segue`` imports a command's module only to run or describe it (issue 26, item 9):
``segue --help`` imports none of the heavy libraries, ``segue token list`` not the
server's nor the index's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from segue.cli._lazy import COMMANDS, load

_PROBE = """
import sys
from typer.testing import CliRunner
from segue.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
assert result.exit_code == 0, result.output
print(" ".join(sorted(sys.modules)))
"""

_HEAVY = {
    "sqlalchemy", "numpy", "fastapi", "uvicorn", "usearch", "torch", "turbopuffer", "redis",
    "alembic", "httpx",
}  # fmt: skip


def _modules(tmp_path: Path, *args: str) -> set[str]:
    """Every module imported by ``segue ARGS`` run in a new interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=True,
        timeout=300, cwd=tmp_path,
    ).stdout  # fmt: skip
    return set(out.split())


def _imported(tmp_path: Path, *args: str) -> set[str]:
    """The heavy libraries (top-level packages) ``segue ARGS`` imports."""
    return {name.split(".")[0] for name in _modules(tmp_path, *args)} & _HEAVY


def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    assert _imported(tmp_path, "--help") == set()


def test_token_list_imports_neither_the_server_nor_the_index(tmp_path: Path) -> None:
    command = ("token", "list", "--data-dir", str(tmp_path / "data"))
    assert "alembic" in _imported(tmp_path, *command)  # a new embedded catalog: migrated
    found = _imported(tmp_path, *command)  # a current one: only read
    assert "sqlalchemy" in found  # the catalog is its work
    # Nor the engine (numpy), Alembic on a current catalog, nor ATProto's HTTP client.
    assert not found & {
        "fastapi", "uvicorn", "usearch", "torch", "turbopuffer", "numpy", "alembic", "httpx"
    }  # fmt: skip


def test_token_list_imports_no_declarative_model_nor_progress_bars(tmp_path: Path) -> None:
    # Tokens and users are Core tables (catalog/_core_tables.py); the ORM itself comes with
    # SQLAlchemy's asyncio extension, but no model class is built nor mapper configured.
    command = ("token", "list", "--data-dir", str(tmp_path / "data"))
    _modules(tmp_path, *command)  # a new embedded catalog: migrated (the models, for Alembic)
    found = _modules(tmp_path, *command)
    assert "segue.catalog._core_tables" in found  # the probe sees the catalog's modules
    assert not found & {
        "segue.catalog._models", "sqlalchemy.dialects.postgresql", "rich.progress",
        "segue.cli._progress",
    }  # fmt: skip
    assert "rich.table" in found  # the table it prints


def test_token_list_json_imports_no_rich(tmp_path: Path) -> None:
    command = ("token", "list", "--json", "--data-dir", str(tmp_path / "data"))
    _modules(tmp_path, *command)
    found = _modules(tmp_path, *command)
    assert "segue.catalog._tokens" in found
    assert not {name for name in found if name.split(".")[0] == "rich"}


def _modules_after(statement: str) -> set[str]:
    probe = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_settings_and_the_token_commands_import_no_engine_nor_index() -> None:
    for statement in ("import segue.settings", "import segue.cli._token"):
        assert not _modules_after(statement) & {"numpy", "usearch", "torch", "alembic"}, statement


def test_the_probe_sees_numpy_when_it_is_imported() -> None:
    assert "numpy" in _modules_after("import segue.engine")


def test_every_listed_command_loads_under_its_name() -> None:
    for name in COMMANDS:
        command = load(name)
        assert command.name == name
        assert command.help, name
