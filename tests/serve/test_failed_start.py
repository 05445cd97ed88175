"""A server that cannot start is a failure, not a quiet exit 0 (issue 26, item 2).

Before, with ``--workers 2`` and an unmigrated database, the workers failed, the parent
waited up to a minute on a worker still importing and exited 0, and once left its metrics
directory behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from ..conftest import create_postgres_database, drop_postgres_database
from ..support import POSTGRES_ADMIN_URL, free_port, segue_binary

# A guard against a hang, not a measure: each worker imports Segue, slow on a busy machine.
GUARD = 240.0

_SUPERVISE = """
import sys, uvicorn
from segue.cli._supervisor import WorkersFailed, run_workers
from segue.cli._workers import multiprocess_dir
config = uvicorn.Config("tests.serve._failing_app:failing_app", factory=True, workers=2,
                        port=int(sys.argv[1]), timeout_worker_healthcheck=60)
with multiprocess_dir() as directory:
    print(directory, flush=True)
    try:
        run_workers(config)
    except WorkersFailed as exc:
        print("failed", exc.exitcode, flush=True)
        sys.exit(3)
"""


@pytest.fixture
def unmigrated_url() -> Iterator[str]:
    name = create_postgres_database()
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
    finally:
        drop_postgres_database(name)


def _environ(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGUE_", "PROMETHEUS_"))}
    return env | {"SEGUE_UI_DIR": str(tmp_path / "no-ui"), **extra}


def test_an_unmigrated_database_is_refused_before_any_worker(
    unmigrated_url: str, tmp_path: Path
) -> None:
    tmpdir = tmp_path / "tmp"  # where a metrics directory would be made
    tmpdir.mkdir()
    env = _environ(tmp_path, SEGUE_DATABASE_URL=unmigrated_url, TMPDIR=str(tmpdir))
    command = [segue_binary(), "serve", "--workers", "2", "--port", str(free_port()),
               "--data-dir", str(tmp_path / "data")]  # fmt: skip
    proc = subprocess.run(command, env=env, capture_output=True, timeout=GUARD, check=False)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "segue db upgrade" in lines[0]
    assert "Traceback" not in err
    assert list(tmpdir.iterdir()) == []


def test_workers_failing_their_start_stop_the_server(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-c", _SUPERVISE, str(free_port())],
        cwd=root,
        env=_environ(tmp_path, PYTHONPATH=str(root)),
        capture_output=True,
        timeout=GUARD,
        check=False,
    )
    out, err = proc.stdout.decode().splitlines(), proc.stderr.decode()
    assert proc.returncode == 3, err[-3000:]
    assert out[1] == "failed 3"  # uvicorn's exit code for a failed start
    assert "before it served" in err
    assert "this worker cannot start" in err  # the worker's own reason is in the log
    assert not Path(out[0]).exists()  # the metrics directory is removed
