"""Progress of long commands: rich's bar on a terminal, a line every few seconds off one.

Off a terminal (a service's journal, ``nohup``, a CI log) the bar drew nothing at all, and
an import of millions of rows or a check of a large index said nothing for minutes: alive
or stuck, nobody could tell (issue 26). :func:`progress_bar` gives the bar on a terminal
and :class:`ProgressLines` otherwise: the same rich ``Progress`` bookkeeping (``add_task``,
``advance``, ``update``), printed as one plain line per unfinished task every
``SEGUE_PROGRESS_SECONDS`` (5 s), from a thread, so a step that makes no progress still
shows where it stands:

    writing tracks: 12,000 of 50,000 (24%)

    >>> with progress_bar(settings.progress_seconds) as bar:  # doctest: +SKIP
    ...     task = bar.add_task("writing tracks", total=50_000)
    ...     bar.advance(task, 1000)
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from segue.settings import Settings

from ._consoles import err_console

__all__ = [
    "DEFAULT_PROGRESS_SECONDS",
    "ProgressLines",
    "progress_bar",
    "progress_line",
    "progress_status",
    "progress_steps",
]

#: seconds between progress lines off a terminal: SEGUE_PROGRESS_SECONDS' default, for a
#: command with no settings of its own (``segue eval``)
DEFAULT_PROGRESS_SECONDS: float = Settings.model_fields["progress_seconds"].default


def progress_line(task: Task) -> str:
    """``writing tracks: 12,000 of 50,000 (24%)``; without a total, the count alone."""
    done = int(task.completed)
    if task.total is None:
        return f"{task.description}: {done:,}"
    total = int(task.total)
    share = f" ({done / total:.0%})" if total else ""
    return f"{task.description}: {done:,} of {total:,}{share}"


class ProgressLines(Progress):
    """A rich ``Progress`` that draws no bar but prints ``line(task)`` (by default
    :func:`progress_line`) for each unfinished task every ``interval`` seconds while it is
    started (``with``)."""

    def __init__(
        self,
        *,
        console: Console,
        interval: float,
        line: Callable[[Task], str] = progress_line,
    ) -> None:
        # disable: rich keeps the tasks' counts and draws nothing; this class prints them.
        super().__init__(console=console, disable=True)
        self.interval = interval
        self._line = line
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        super().start()
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._print_every_interval, name="segue-progress", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stopping.set()
            self._thread.join()
            self._thread = None
        super().stop()

    def _print_every_interval(self) -> None:
        while not self._stopping.wait(self.interval):
            for task in self.tasks:  # a copy, taken under rich's lock
                # rich's own ``finished`` misses a task added complete
                if task.total is None or task.completed < task.total:
                    self.console.print(self._line(task), highlight=False, soft_wrap=True)


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f}/s", style="progress.data.speed")


def _on_stderr(
    interval: float, line: Callable[[Task], str], *columns: ProgressColumn | str
) -> Progress:
    """rich's ``Progress`` with ``columns`` on a terminal; off one, ``line(task)`` every
    ``interval`` seconds (:class:`ProgressLines`)."""
    if not sys.stderr.isatty():
        return ProgressLines(console=err_console(), interval=interval, line=line)
    return Progress(*columns, console=err_console())


def progress_bar(interval: float = DEFAULT_PROGRESS_SECONDS) -> Progress:
    """Progress on stderr: a bar with counts, rate and time left on a terminal; off one, a
    line per unfinished task every ``interval`` seconds (:func:`progress_line`)."""
    return _on_stderr(
        interval,
        progress_line,
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        _RateColumn(),
        TimeRemainingColumn(),
    )


def progress_status(interval: float = DEFAULT_PROGRESS_SECONDS) -> Progress:
    """The state of a process that runs until stopped (``segue follow``), held in each
    task's description: a spinner beside it on a terminal; off one (a service's journal),
    the description every ``interval`` seconds.

        >>> with progress_status(settings.progress_seconds) as status:  # doctest: +SKIP
        ...     task = status.add_task("connecting", total=None)
        ...     status.update(task, description="following wss://...: 1,204 events")
    """
    return _on_stderr(
        interval, lambda task: task.description, SpinnerColumn(), TextColumn("{task.description}")
    )


def progress_steps(bar: Progress) -> Callable[[str, int], Callable[[int], None]]:
    """One task per step of a service that reports progress (``segue.ingest.Steps``)."""

    def step(description: str, total: int) -> Callable[[int], None]:
        task = bar.add_task(description, total=total)
        return lambda n: bar.advance(task, n)

    return step
