"""`segue serve` (or another ASGI app under uvicorn) as a real process for the benchmarks."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import redis

__all__ = [
    "POSTGRES_ADMIN_URL",
    "REDIS_URL",
    "cpu_seconds",
    "load_average",
    "redis_prefix",
    "running",
    "segue_command",
    "serving",
]

POSTGRES_ADMIN_URL = os.environ.get(
    "SEGUE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("SEGUE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
_START_TIMEOUT = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its live descendants (Linux).

    On a shared machine a server's CPU time per request is steadier than its throughput,
    which depends on how many cores the other processes leave it.
    """
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        proc = int(stat.parent.name)
        # After the command's ")": state, ppid, ... utime and stime are the 12th and 13th.
        parents[proc] = int(fields[1])
        used[proc] = (int(fields[11]) + int(fields[12])) / tick
    tree, todo = set(), [pid]
    while todo:
        proc = todo.pop()
        tree.add(proc)
        todo += [child for child, parent in parents.items() if parent == proc]
    return sum(used.get(proc, 0.0) for proc in tree)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


@contextmanager
def redis_prefix() -> Iterator[str]:
    """A key prefix of this run's own in the shared Redis; its keys are deleted after."""
    prefix = f"segue-bench-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
        try:
            for key in client.scan_iter(match=f"{prefix}:*", count=1000):
                client.delete(key)
        finally:
            client.close()


def segue_command(port: int, data_dir: Path, *extra: str) -> list[str]:
    """The command line of ``segue serve`` on ``port`` (this environment's ``segue``)."""
    segue = shutil.which("segue", path=str(Path(sys.executable).parent)) or "segue"
    host = ["--host", "127.0.0.1", "--port", str(port)]
    return [segue, "serve", *host, "--data-dir", str(data_dir), *extra]


@contextmanager
def serving(
    data_dir: Path, env: dict[str, str], log: Path, extra: Sequence[str] = ()
) -> Iterator[tuple[str, int]]:
    """Run ``segue serve`` (with ``extra`` options) on a free loopback port until the block ends.

    Yields the base URL and the server's pid (for a profiler); its output goes to ``log``.
    """
    # Rate limits off unless the caller says otherwise: a benchmark's few tokens send far
    # more than any person, and would measure 429s (docs/security.md).
    full_env = {"SEGUE_UI_DIR": str(data_dir / "no-ui"), "SEGUE_RATE_LIMITS": "off", **env}
    with running(lambda port: segue_command(port, data_dir, *extra), full_env, log) as served:
        yield served


@contextmanager
def running(
    command: Callable[[int], Sequence[str]],
    env: Mapping[str, str],
    log: Path,
    ready_path: str = "/readyz",
) -> Iterator[tuple[str, int]]:
    """Run ``command(port)`` on a free loopback port until ``ready_path`` answers 200.

    Yields the base URL and the process's pid; stopped with SIGINT (then killed) after.
    """
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    args = list(command(port))
    name = Path(args[0]).name
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {log}")
            try:
                if httpx.get(f"{base}{ready_path}", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not ready after {_START_TIMEOUT:.0f} s; see {log}")
            time.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
