"""Redis and PostgreSQL servers of a test's own, started from the installed binaries.

Each listens on a free port of 127.0.0.1 and keeps its files in a temporary directory, so
a test can stop, pause (SIGSTOP: a server that hangs) and restart it without touching the
shared servers on 5432 and 6379. Every process started here is stopped by ``close()``.

    server = RedisServer().start()
    try:
        server.pause()  # a Redis that hangs
        ...
    finally:
        server.close()
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis

__all__ = ["PostgresServer", "RedisServer", "free_port", "wait_for"]

_START_TIMEOUT = 30.0  # seconds: a loaded two-core machine can be slow to start PostgreSQL


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (until something binds it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(ready: object, what: str, timeout: float = _START_TIMEOUT) -> None:
    """Poll ``ready()`` until it is true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(0.02)


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (PostgreSQL runs one process per connection)."""
    out = [pid]
    for child in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            text = Path(child).read_text()
        except OSError:
            continue  # the task ended meanwhile
        for c in text.split():
            out += _tree(int(c))
    return out


def _stopped(pid: int) -> bool:
    """Whether the kernel has stopped ``pid`` (state ``T`` in /proc), or it has exited."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    # "pid (comm) state ...": comm may hold spaces and parentheses, the state follows the last ")"
    return stat.rpartition(")")[2].split()[0] in ("T", "t")


class _Process:
    """One server process: start, stop, pause and resume it by pid, never by name."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _signal_tree(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        for pid in _tree(self.proc.pid):
            with contextlib.suppress(ProcessLookupError):  # exited since it was listed
                os.kill(pid, sig)

    def pause(self) -> None:
        """SIGSTOP the server and its children: connections stay open, nothing answers.

        Returns once every one of them is stopped, not merely signalled."""
        self._signal_tree(signal.SIGSTOP)
        assert self.proc is not None
        pids = _tree(self.proc.pid)
        wait_for(lambda: all(_stopped(p) for p in pids), "SIGSTOP", timeout=5)

    def resume(self) -> None:
        self._signal_tree(signal.SIGCONT)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self._signal_tree(signal.SIGCONT)  # a paused server cannot act on SIGTERM
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=_START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class RedisServer(_Process):
    """``redis-server`` without persistence on a port of its own: a restart starts empty.

    ``workdir`` holds its files (default: a temporary directory that ``close()`` removes).
    """

    def __init__(self, workdir: Path | None = None) -> None:
        super().__init__()
        self.port = free_port()
        self._owns_dir = workdir is None
        self.dir = Path(tempfile.mkdtemp(prefix="segue-redis-")) if workdir is None else workdir

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (apt-get install redis-server)"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.dir),
             "--logfile", str(self.dir / "log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self._answers, "redis-server")
        return self

    def _answers(self) -> bool:
        try:
            with self.admin() as client:
                return bool(client.ping())
        except redis.exceptions.ConnectionError:  # not listening yet
            return False

    def admin(self) -> redis.Redis:
        """A client of this server for the test itself (not the code under test)."""
        return redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def command_calls(self, command: str) -> int:
        """How many times ``command`` reached this server since it started."""
        with self.admin() as client:
            stats = client.info("commandstats")
        return int(stats.get(f"cmdstat_{command.lower()}", {}).get("calls", 0))

    def kill(self) -> None:
        """SIGKILL: the server dies at once, keeping nothing; ``start()`` brings it back."""
        self.stop(signal.SIGKILL)

    def close(self) -> None:
        self.stop()
        if self._owns_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    assert found, "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"
    return Path(found[-1]).parent


class PostgresServer(_Process):
    """A PostgreSQL cluster of its own (initdb into a temporary directory, trust auth).

    PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` user.
    Durability is switched off (fsync, full page writes): these are throwaway clusters.
    """

    def __init__(self) -> None:
        super().__init__()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="segue-pg-"))
        self.bin = _postgres_bin()
        self._user: str | None = "postgres" if os.geteuid() == 0 else None
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self._run(
            [str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
             "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"],
        )  # fmt: skip

    def _run(self, args: list[str]) -> None:
        subprocess.run(
            args, check=True, capture_output=True, user=self._user, timeout=_START_TIMEOUT
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresServer:
        self.proc = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(self.dir / "data"), "-p", str(self.port),
             "-k", str(self.dir), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
             "-c", "full_page_writes=off", "-c", "synchronous_commit=off"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            user=self._user,
        )  # fmt: skip
        ready = str(self.bin / "pg_isready")
        wait_for(
            lambda: (
                subprocess.run(
                    [ready, "-q", "-h", "127.0.0.1", "-p", str(self.port)], check=False, timeout=5
                ).returncode
                == 0
            ),
            "postgres",
        )
        return self

    def close(self) -> None:
        self.stop(signal.SIGQUIT)  # immediate shutdown: nothing here needs keeping
        shutil.rmtree(self.dir, ignore_errors=True)
