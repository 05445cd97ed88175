"""The ``segue`` command's group, importing a command's module only when it runs.

Every command module imports what its work needs (SQLAlchemy, numpy, usearch, FastAPI,
uvicorn, torch for ``embed``...), and importing them all cost about 5 s of CPU before
``segue --help`` printed a line (issue 26). The group knows each command's name, module
and one-line help here, lists them from this table, and imports a module only to run or
describe its own command: ``segue --help`` imports none of them, ``segue token list`` only
what a token needs. ``tests/cli/test_lazy.py`` holds the lines below to each command's own
docstring.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

import typer
from typer import _click as click
from typer.core import TyperCommand, TyperGroup

from . import _startup

__all__ = ["COMMANDS", "LazyGroup"]


class _Entry(NamedTuple):
    module: str
    attribute: str  # a function (one command) or a Typer app (a group of them)
    help: str


COMMANDS: dict[str, _Entry] = {
    "recommend": _Entry(
        "segue.cli._recommend",
        "recommend",
        "Recommend tracks to add to a playlist (--playlist ID) or to TRACK_IDs, best first.",
    ),
    "serve": _Entry(
        "segue.cli._serve",
        "serve",
        "Serve the API, the built UI and /metrics (the embedded SQLite catalog is migrated first).",
    ),
    "demo": _Entry(
        "segue.cli._demo",
        "demo",
        "Build the demo catalog (once), show its recommendations, and serve it signed in.",
    ),
    "eval": _Entry(
        "segue.cli._eval",
        "eval_command",
        "Score recommendation strategies on real playlists (see docs/evaluation.md).",
    ),
    "check": _Entry(
        "segue.cli._check", "check", "Check that the vector store and the catalog agree."
    ),
    "embed": _Entry(
        "segue.cli._embed",
        "embed",
        "Embed audio files with CLAP into the vector store (needs the clap extra).",
    ),
    "follow": _Entry(
        "segue.cli._follow",
        "app",
        "Follow track and playlist records on ATProto through Jetstream, into the catalog.",
    ),
    "import": _Entry(
        "segue.cli._import",
        "app",
        "Import tracks, vectors and playlists (validated, all or nothing, idempotent).",
    ),
    "vectors": _Entry("segue.cli._vectors", "app", "Manage the vector index."),
    "db": _Entry("segue.cli._db", "app", "The catalog database (SEGUE_DATABASE_URL)."),
    "token": _Entry("segue.cli._token", "app", "API tokens: create, list and revoke."),
}


def load(name: str) -> click.Command:
    """The real click command ``name``, importing its module."""
    entry = COMMANDS[name]
    target = getattr(importlib.import_module(entry.module), entry.attribute)
    if isinstance(target, typer.Typer):
        command: click.Command = typer.main.get_group(target)
    else:
        single = typer.Typer(pretty_exceptions_enable=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    _startup.loaded()  # the command's modules are in: the collector back on (_startup.py)
    return command


class _Stub(TyperCommand):
    """What the help lists; anything else asks the real command, loaded then."""

    def __init__(self, name: str, help: str) -> None:
        super().__init__(name, help=help, short_help=help)
        self._real: click.Command | None = None

    def real(self) -> click.Command:
        if self._real is None:
            self._real = load(str(self.name))
        return self._real

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        # click runs ``sub_ctx.command.invoke``: the real command from here on.
        return self.real().make_context(*args, **kwargs)

    def get_help(self, ctx: click.Context) -> str:
        return self.real().get_help(ctx)


class LazyGroup(TyperGroup):
    """A :class:`TyperGroup` whose commands come from :data:`COMMANDS`, loaded on use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        return _Stub(cmd_name, entry.help)
