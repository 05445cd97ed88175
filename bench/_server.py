"""`segue serve` as a real process for the endpoint benchmark and the load test."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import redis

__all__ = ["POSTGRES_ADMIN_URL", "REDIS_URL", "load_average", "redis_prefix", "serving"]

POSTGRES_ADMIN_URL = os.environ.get(
    "SEGUE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("SEGUE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
_START_TIMEOUT = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@contextmanager
def serving(data_dir: Path, env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """Run ``segue serve`` on a free loopback port until the block ends.

    Yields the base URL and the server's pid (for a profiler); its output goes to ``log``.
    """
    segue = shutil.which("segue", path=str(Path(sys.executable).parent)) or "segue"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    full_env = {**os.environ, "SEGUE_UI_DIR": str(data_dir / "no-ui"), **env}
    args = [segue, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, env=full_env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"segue serve exited with {proc.returncode}; see {log}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise RuntimeError(f"segue serve not ready after {_START_TIMEOUT:.0f} s; see {log}")
            time.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
