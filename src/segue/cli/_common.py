"""What the commands share: settings with ``--data-dir``, errors as exit codes, consoles
(``_consoles.py``). Progress is ``_progress.py``'s, imported by the commands that report it
(rich's progress bars are no part of ``segue token``'s start-up, issue 26)."""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import typer

from segue._settings_load import known_variables, load_settings, unknown_variables
from segue.catalog import Database, ensure_schema, open_database
from segue.errors import SegueError
from segue.settings import Settings

from ._consoles import err_console, out_console

__all__ = [
    "Wiring",
    "err_console",
    "exit_on_error",
    "open_catalog",
    "out_console",
    "run",
    "settings_from",
    "wiring",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Wiring:
    """What a program that runs the CLI itself may choose and no setting or environment
    variable can: click's ``obj``, ``app(args, obj=Wiring(...))``. The ``segue`` command
    never passes one, so these stay off in every deployment.

    ``atproto_allow_loopback``: the ATProto client fetches from loopback hosts (a DID
    document's PDS on 127.0.0.1), for the tests' loopback stand-ins; see
    :class:`segue.atproto.HttpClient`.
    """

    atproto_allow_loopback: bool = False


def wiring(ctx: typer.Context) -> Wiring:
    """The :class:`Wiring` the command of ``ctx`` was run with (the defaults when none)."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Wiring) else Wiring()


def settings_from(data_dir: Path | None, **flags: Any) -> Settings:
    """Settings from the environment, with ``--data-dir`` and other flags (``None``: not
    given) on top. A bad variable is one line each and exit 2; an unknown ``SEGUE_*``
    variable, a warning on stderr."""
    for name in unknown_variables():
        close = difflib.get_close_matches(name, known_variables(), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        err_console().print(
            f"[yellow]warning:[/yellow] {name} is not a Segue setting, ignored{hint}",
            highlight=False,
            soft_wrap=True,
        )
    with exit_on_error():
        return load_settings(data_dir=data_dir, **flags)


@contextmanager
def exit_on_error() -> Iterator[None]:
    """A :class:`SegueError` inside becomes one red line on stderr and exit code 2."""
    try:
        yield
    except SegueError as exc:
        # Each error its own line (one per bad setting); an indented line belongs to the
        # error above it (an import's problems, line by line).
        for line in exc.detail.splitlines() or [""]:
            text = line if line.startswith(" ") else f"[red]error:[/red] {line}"
            err_console().print(text, highlight=False, soft_wrap=True, markup=True)
        raise typer.Exit(2) from None


@asynccontextmanager
async def open_catalog(settings: Settings) -> AsyncIterator[Database]:
    """The catalog database, at the current migration; closed on the way out.

    The embedded SQLite file is migrated here; a shared database must be migrated on
    purpose (``segue db upgrade``), and an outdated one is refused.

        >>> async with open_catalog(settings) as database:  # doctest: +SKIP
        ...     await import_tracks(database, batch)
    """
    async with open_database(settings) as database:
        await ensure_schema(database, migrate=settings.database_is_embedded)
        yield database


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion, reporting a :class:`SegueError` as :func:`exit_on_error`."""
    with exit_on_error():
        return asyncio.run(coro)
