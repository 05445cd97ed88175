"""``segue serve --workers 2`` as a real command on a free port, over a real PostgreSQL.

The workers share the memory-mapped index (its file is in each one's /proc/<pid>/maps),
/metrics merges what every worker recorded, and SIGTERM to the parent ends every process
and removes the metrics directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from segue.settings import Settings

from ..conftest import create_postgres_database, drop_postgres_database
from ..reliability._world import SmallWorld, seed
from ..support import POSTGRES_ADMIN_URL, free_port, migrate, segue_binary, wait_for

WORKERS = 2
# Seconds, generous: each worker imports Segue, which takes many seconds on a loaded machine.
START_GUARD = 240.0
STOP_GUARD = 60.0
RECOMMENDATIONS = "/playlists/{playlist_id}/recommendations"


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def workers(self) -> list[int]:
        """The uvicorn workers: the parent's children that multiprocessing spawned."""
        return [pid for pid in children(self.proc.pid) if b"spawn_main" in cmdline(pid)]


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in task.read_text().split()]
    return out


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def mapped(pid: int, path: Path) -> bool:
    try:
        return str(path) in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    return b"Z" not in stat.rsplit(b")", 1)[1][:3]


def multiproc_dir(pid: int) -> Path:
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    found = [e for e in environ if e.startswith(b"PROMETHEUS_MULTIPROC_DIR=")]
    assert found, "the worker has no PROMETHEUS_MULTIPROC_DIR"
    return Path(found[0].split(b"=", 1)[1].decode())


def ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def serving(tmp: Path, data_dir: Path, env: dict[str, str], *args: str) -> Iterator[Server]:
    """``segue serve --workers 2`` on a free port until SIGTERM (or a kill, if it hangs)."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SEGUE_", "PROMETHEUS_"))}
    environ |= {"SEGUE_UI_DIR": str(tmp / "no-ui"), **env}
    log = tmp / "serve.log"
    command = [segue_binary(), "serve", "--workers", str(WORKERS), "--port", str(port),
               "--data-dir", str(data_dir), *args]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=environ, stdout=out, stderr=subprocess.STDOUT)
    srv = Server(proc, f"http://127.0.0.1:{port}", log)
    try:
        wait_for(lambda: len(srv.workers()) == WORKERS, "the workers", START_GUARD)
        wait_for(lambda: ok(f"{srv.url}/readyz"), "segue serve --workers 2", START_GUARD)
        yield srv
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_GUARD)
            except subprocess.TimeoutExpired:
                for pid in [*children(proc.pid), proc.pid]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                proc.wait()


@dataclass
class Seeded:
    server: Server
    settings: Settings
    world: SmallWorld


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """The server over a PostgreSQL database and an index of their own, with playlists."""
    tmp = tmp_path_factory.mktemp("workers")
    name = create_postgres_database()
    try:
        url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
        settings = Settings(database_url=url, data_dir=tmp / "data")
        asyncio.run(migrate(url))
        world = asyncio.run(seed(settings, n_playlists=20))
        # No cache: every recommendation reads the index in whichever worker answers it.
        env = {"SEGUE_DATABASE_URL": url, "SEGUE_CACHE_BACKEND": "none"}
        with serving(tmp, settings.data_dir, env) as srv:
            yield Seeded(srv, settings, world)
    finally:
        drop_postgres_database(name)


def _ask(seeded: Seeded, playlist: str, statuses: list[int]) -> None:
    # A new connection each time, so the kernel hands requests to either worker.
    url, auth = seeded.server.url, seeded.world.auth
    with httpx.Client(base_url=url, timeout=30, headers={"Connection": "close"}) as client:
        r = client.get(f"/playlists/{playlist}/recommendations", headers=auth)
        statuses.append(r.status_code)


def test_workers_share_the_index_and_metrics_add_up(seeded: Seeded) -> None:
    server, world = seeded.server, seeded.world
    workers = server.workers()
    assert len(workers) == WORKERS
    index = seeded.settings.index_path
    statuses: list[int] = []
    rounds = 0

    def every_worker_has_mapped_the_index() -> bool:
        nonlocal rounds
        # Workers may map it at start (the start-up line counts the store's rows): at least
        # one round of requests either way, so the metrics below have something to add up.
        if rounds and all(mapped(pid, index) for pid in workers):
            return True
        playlists = world.playlists
        batch = [playlists[(rounds * 4 + i) % len(playlists)] for i in range(4)]
        threads = [threading.Thread(target=_ask, args=(seeded, p, statuses)) for p in batch]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rounds += 1
        return False

    wait_for(every_worker_has_mapped_the_index, "the index mapped in each worker", START_GUARD)
    assert set(statuses) == {200}

    # Both workers recorded requests: each wrote histogram files of its own...
    directory = multiproc_dir(workers[0])
    writers = {int(p.stem.rsplit("_", 1)[1]) for p in directory.glob("histogram_*.db")}
    assert set(workers) <= writers
    # ... and any worker's /metrics counts all of them, whichever worker answers.
    for _ in range(4):
        r = httpx.get(f"{server.url}/metrics", timeout=30, headers={"Connection": "close"})
        assert r.status_code == 200
        counted = [
            s.value
            for f in text_string_to_metric_families(r.text)
            for s in f.samples
            if s.name == "segue_http_request_duration_seconds_count"
            and s.labels == {"route": RECOMMENDATIONS, "method": "GET", "status": "200"}
        ]
        assert counted == [len(statuses)]
        assert world.token not in r.text
        assert not any(p in r.text for p in world.playlists)


def test_sigterm_stops_every_process_and_removes_the_metrics_directory(seeded: Seeded) -> None:
    server = seeded.server
    workers = server.workers()
    processes = [server.proc.pid, *children(server.proc.pid)]  # the workers and their helper
    assert len(workers) == WORKERS
    directory = multiproc_dir(workers[0])
    assert directory.is_dir()

    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=STOP_GUARD) == 0
    wait_for(lambda: not any(alive(pid) for pid in processes), "every process gone", STOP_GUARD)
    assert not directory.exists()
    assert b"Stopping parent process" in server.log.read_bytes()


def test_a_metrics_port_serves_every_workers_metrics_from_the_parent(tmp_path: Path) -> None:
    # The embedded catalog too: a new data dir, migrated by the parent alone.
    metrics_port = free_port()
    with serving(tmp_path, tmp_path / "data", {}, "--metrics-port", str(metrics_port)) as srv:
        for _ in range(6):
            assert ok(f"{srv.url}/healthz")
        assert httpx.get(f"{srv.url}/metrics", timeout=30).status_code == 404
        r = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30)
        assert r.status_code == 200
        counted = [
            s.value
            for f in text_string_to_metric_families(r.text)
            for s in f.samples
            if s.name == "segue_http_request_duration_seconds_count"
            and s.labels == {"route": "/healthz", "method": "GET", "status": "200"}
        ]
        assert counted == [6]
        assert ok(f"{srv.url}/readyz")
    assert srv.proc.returncode == 0
