"""`python -m bench --only cli`: what ``segue`` costs to start (issue 26, item 9).

Each row runs in a new process (``python -m segue ...``) and is timed as the CPU it spent
(user + system, the reaped child's own times), with its wall time beside it. The rows are
interleaved, one warm-up round untimed, then the median of :data:`REPS` rounds. References
in the same run: an empty interpreter (``python -c pass``) and one importing FastAPI (what
any web service pays).

Bytecode is cached for the run (``PYTHONPYCACHEPREFIX`` in a temporary directory, written by
the warm-up round), as an installed wheel has it; the development environment sets
``PYTHONDONTWRITEBYTECODE``, under which every import compiles its source again and costs
several times as much.

``token list`` runs against a migrated embedded SQLite catalog holding two tokens (as a
table, and ``--json``: without rich); the "imports" row is what its module costs before
the command does any work (settings, the catalog's token and schema modules, SQLAlchemy),
imported by ``python -c``, so with the collector running throughout, as ``segue`` itself
no longer does (``segue/cli/_startup.py``). ``python -m bench.cli_startup --before
SRC`` adds the same rows for another checkout's ``src`` (e.g. the previous commit's, from
``git archive``), imported first through ``PYTHONPATH``, in the same rounds.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ._timing import machine

__all__ = ["run"]

REPS = 5


@dataclass(frozen=True, slots=True)
class _Row:
    label: str
    argv: tuple[str, ...]
    #: a checkout's ``src`` to import Segue from instead of the installed one
    source: Path | None = None


def _cost(row: _Row, env: dict[str, str]) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one run of ``row``."""
    child_env = dict(env)
    if row.source is not None:
        child_env["PYTHONPATH"] = str(row.source)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *row.argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=child_env, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{row.label} failed: {done.stderr.decode(errors='replace')[-500:]}")
    # Reaped children's times: one run at a time, so this child's alone.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def _rows(data_dir: Path, before: Path | None) -> list[_Row]:
    token_list = ("-m", "segue", "token", "list", "--data-dir", str(data_dir))
    segue = [
        _Row("`segue --help`", ("-m", "segue", "--help")),
        _Row("`segue --version`", ("-m", "segue", "--version")),
        _Row("`segue token list` (SQLite, 2 tokens)", token_list),
        _Row("`segue token list --json`", (*token_list, "--json")),
        _Row("`segue token list`: its imports", ("-c", "import segue.cli._token")),
    ]
    rows = [
        _Row("`python -c pass` (reference)", ("-c", "pass")),
        _Row('`python -c "import fastapi"` (reference)', ("-c", "import fastapi")),
        *segue,
    ]
    if before is not None:
        rows += [_Row(f"{row.label}, before", row.argv, before) for row in segue]
    return rows


def _prepare(data_dir: Path, env: dict[str, str]) -> None:
    for handle in ("alice.example.com", "bob.example.com"):
        did = f"did:plc:{handle.split('.')[0]:a<24}"
        subprocess.run(
            [sys.executable, "-m", "segue", "token", "create", "--did", did, "--handle", handle,
             "--data-dir", str(data_dir)],
            check=True, capture_output=True, env=env,
        )  # fmt: skip


def run(before: Path | None = None) -> str:
    """The Markdown table; ``before``: another checkout's ``src`` measured alongside."""
    with tempfile.TemporaryDirectory(prefix="segue-bench-cli-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        data_dir = Path(tmp) / "data"
        _prepare(data_dir, env)
        rows = _rows(data_dir, before)
        load_before = os.getloadavg()
        for row in rows:  # warm-up: bytecode written, files in the page cache
            _cost(row, env)
        samples: dict[str, list[tuple[float, float]]] = {row.label: [] for row in rows}
        for _ in range(REPS):
            for row in rows:
                samples[row.label].append(_cost(row, env))
        load_after = os.getloadavg()
    reference = statistics.median(cpu for cpu, _ in samples[rows[1].label])
    lines = [
        f"Machine: {machine()}; load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after (1 min)",
        "",
        "| command | CPU p50 (s) | wall p50 (s) | CPU / `import fastapi` |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        cpu = statistics.median(c for c, _ in samples[row.label])
        wall = statistics.median(w for _, w in samples[row.label])
        lines.append(f"| {row.label} | {cpu:.3f} | {wall:.3f} | {cpu / reference:.2f}x |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cli_startup", description=__doc__)
    parser.add_argument(
        "--before", type=Path, metavar="SRC", help="also another checkout's src directory"
    )
    args = parser.parse_args()
    print(run(args.before))


if __name__ == "__main__":
    main()
