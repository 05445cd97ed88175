"""`segue demo` prints its sign-in address only once the server accepts connections.

The installed command runs in a process of its own; the moment the line is read, a
connection to the printed port must succeed (before, it came before uvicorn had bound the
socket, and a fast click got "connection refused"). Several runs, since the old order
failed by a race; the first run builds the full-size demo, the others reuse it. A port
another program listens on gets no address at all.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest

from ..support import free_port, segue_binary

RUNS = 3
GUARD = 180.0  # seconds for one run on a loaded machine (the first builds the catalog)
PREFIX = "Sign in as the demo user: "


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir for the module: the first `segue demo` builds the catalog in it."""
    return tmp_path_factory.mktemp("demo")


def lines_of(proc: subprocess.Popen[str]) -> queue.Queue[str | None]:
    """The process's stdout lines, read in a thread so the test can wait with a timeout."""
    out: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.put(line)
        out.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return out


def sign_in_line(lines: queue.Queue[str | None], log: Path) -> str:
    while True:
        line = lines.get(timeout=GUARD)
        assert line is not None, f"segue demo ended without a sign-in line:\n{log.read_text()}"
        if line.startswith(PREFIX):
            return line.strip()


def test_address_is_printed_once_the_server_listens(data_dir: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGUE_")}
    for run in range(RUNS):
        port = free_port()
        log = tmp_path / f"stderr-{run}.log"
        with log.open("w") as err:
            proc = subprocess.Popen(
                [segue_binary(), "demo", "--port", str(port), "--data-dir", str(data_dir)],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                env=env,
            )
        try:
            line = sign_in_line(lines_of(proc), log)
            # First thing after the line: connect, as a fast click would.
            with socket.create_connection(("127.0.0.1", port), timeout=10):
                pass
            assert line.startswith(f"{PREFIX}http://127.0.0.1:{port}/login#token=segue_")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as res:
                assert res.status == 200
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=GUARD)
            finally:
                proc.kill()
        assert proc.returncode == 0, log.read_text()


def test_no_address_when_the_port_is_taken(data_dir: Path) -> None:
    # Another program listening on the port must not pass for the demo's server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGUE_")}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [segue_binary(), "demo", "--port", str(port), "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            env=env,
            timeout=GUARD,
            check=False,
        )
    assert done.returncode != 0
    assert PREFIX not in done.stdout
    assert "address already in use" in done.stderr.lower()
