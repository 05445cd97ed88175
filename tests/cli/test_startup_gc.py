"""``segue``'s start-up keeps the collector off while the command's modules load, then
freezes them and turns it back on (cli/_startup.py, issue 26 item 9)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_PROBE = """
import gc, sys
from segue.cli import _lazy, _startup
seen = {}
real_load = _lazy.load
def load(name):
    seen["while loading"] = gc.isenabled()
    command = real_load(name)
    seen["after"] = (gc.isenabled(), gc.get_freeze_count())
    return command
_lazy.load = load
sys.argv = ["segue", *sys.argv[1:]]
from segue.cli import main
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print(seen["while loading"], *seen["after"])
"""


def test_the_collector_waits_for_the_command_then_runs(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, "token", "list", "--json", "--data-dir",
         str(tmp_path / "data")],
        capture_output=True, text=True, check=True, timeout=300, cwd=tmp_path,
    ).stdout.split("\n")  # fmt: skip
    while_loading, enabled_after, frozen = out[-2].split()
    assert while_loading == "False"
    assert enabled_after == "True"
    assert int(frozen) > 10_000  # SQLAlchemy's, pydantic's and typer's objects


def test_loaded_without_begin_leaves_the_collector_alone() -> None:
    probe = (
        "import gc; from segue.cli import _startup; _startup.loaded(); "
        "print(gc.isenabled(), gc.get_freeze_count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    ).stdout.split()
    assert out == ["True", "0"]
