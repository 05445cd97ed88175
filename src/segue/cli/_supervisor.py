"""uvicorn's worker supervisor, made to fail a failed start at once and loudly.

uvicorn's own ``Multiprocess`` pings each worker in turn and waits up to the health-check
timeout (60 s here, ``_serve.py`` says why) for a worker still importing Segue, so a
sibling that had already failed its start was noticed only after that minute; and
``uvicorn.run`` then returned normally, so the parent exited 0 (issue 26). Here every
round first looks at every worker's exit code without waiting; a worker that exits before
it ever said it was serving stops the whole server, and :func:`run_workers` reports it as
:class:`WorkersFailed`. A worker that hangs after it served is still replaced, as before.
"""

from __future__ import annotations

import contextlib
import pickle
import time

from uvicorn import Config
from uvicorn.supervisors import Multiprocess
from uvicorn.supervisors.multiprocess import Process, logger

__all__ = ["WorkersFailed", "run_workers"]

# Seconds a ping of a live worker waits in one round: short, so one slow worker never
# hides another one's failure for long. A worker is "hung" after the health-check
# timeout without an answer, counted across rounds.
_PING_SECONDS = 0.5


class WorkersFailed(RuntimeError):
    """A worker exited before it served: the app, its settings or its database is broken."""

    def __init__(self, pid: int | None, exitcode: int | None) -> None:
        super().__init__(f"worker {pid} exited with {exitcode} before it served")
        self.pid = pid
        self.exitcode = exitcode


class _Supervisor(Multiprocess):
    def __init__(self, config: Config, sockets: list) -> None:  # type: ignore[type-arg]
        super().__init__(config, sockets)
        self.failure: WorkersFailed | None = None
        self._served: set[int] = set()  # pids that answered "started"
        self._answered: dict[int, float] = {}  # pid -> last answer, monotonic
        self._pending: set[int | None] = set()  # pids pinged and not answered yet

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        # First, without waiting on anyone: has a worker exited?
        for idx, process in enumerate(self.processes):
            if process.process.is_alive():
                continue
            process.join()
            if process.pid not in self._served:
                logger.error(
                    "Worker [%s] exited with %s before it served; stopping every worker.",
                    process.pid,
                    process.exitcode,
                )
                self.failure = WorkersFailed(process.pid, process.exitcode)
                self.should_exit.set()
                return
            logger.info(
                "Worker [%s] died (exit code %s); starting another", process.pid, process.exitcode
            )
            self.processes[idx] = self._start()
        # Then the live ones, briefly each; hung only after the whole health-check timeout.
        now = time.monotonic()
        for idx, process in enumerate(self.processes):
            pid = process.pid
            assert pid is not None
            started = self._ask(process)
            if started is not None:
                self._answered[pid] = now
                if started:
                    self._served.add(pid)
                continue
            since = self._answered.setdefault(pid, now)
            if now - since < self.config.timeout_worker_healthcheck:
                continue
            logger.error("Worker [%s] has not answered for %.0f s; replacing it", pid, now - since)
            process.kill()
            process.join()
            if pid not in self._served:
                self.failure = WorkersFailed(pid, process.exitcode)
                self.should_exit.set()
                return
            self.processes[idx] = self._start()

    def _ask(self, process: Process) -> bool | None:
        """The worker's "started" flag, or None when it has not answered yet.

        One ping at a time per worker: uvicorn's ping sends another each round, and a worker
        busy importing for seconds then owes a backlog of stale answers.
        """
        pid = process.pid
        try:
            if pid not in self._pending:
                process.parent_conn.send(b"ping")
                self._pending.add(pid)
            if not process.parent_conn.poll(_PING_SECONDS):
                return None
            started: bool = process.parent_conn.recv()
        except (OSError, EOFError, pickle.UnpicklingError):
            return None
        self._pending.discard(pid)
        return started

    def _start(self) -> Process:
        process = Process(self.config, self.sockets)
        process.start()
        return process


def run_workers(config: Config) -> None:
    """Serve ``config`` (``workers`` > 1) until a signal; raise :class:`WorkersFailed` when a
    worker exits before it served (the others are stopped first)."""
    supervisor = _Supervisor(config, sockets=[config.bind_socket()])
    with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C while stopping
        supervisor.run()
    if supervisor.failure is not None:
        raise supervisor.failure
