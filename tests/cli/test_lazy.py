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
heavy = ("sqlalchemy", "numpy", "fastapi", "uvicorn", "usearch", "torch", "turbopuffer", "redis")
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & set(heavy))))
"""


def _imported(tmp_path: Path, *args: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=True,
        timeout=300, cwd=tmp_path,
    ).stdout  # fmt: skip
    return set(out.split())


def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    assert _imported(tmp_path, "--help") == set()


def test_token_list_imports_neither_the_server_nor_the_index(tmp_path: Path) -> None:
    found = _imported(tmp_path, "token", "list", "--data-dir", str(tmp_path / "data"))
    assert "sqlalchemy" in found  # the catalog is its work
    assert not found & {"fastapi", "uvicorn", "usearch", "torch", "turbopuffer"}


def test_every_listed_command_loads_under_its_name() -> None:
    for name in COMMANDS:
        command = load(name)
        assert command.name == name
        assert command.help, name
