"""The ``segue`` command line.

$ segue import vectors vectors.npy --ids ids.txt
$ segue recommend 12 40 7 --limit 5 --json
$ segue vectors sync --from local --to turbopuffer
$ segue serve --port 8000 --workers 4 --metrics-port 9100
$ segue db upgrade
$ segue check
$ segue eval --vectors v.npy --ids ids.txt --playlists playlists.jsonl --json
$ segue token create --did did:plc:abc --handle alice.example.com
$ segue embed ~/Music            # needs the extra segue[clap]
$ segue follow --jetstream wss://jetstream2.us-east.bsky.network
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from segue._runtime import single_threaded_blas

from . import _startup
from ._lazy import LazyGroup

__all__ = ["app", "main"]

app = typer.Typer(
    name="segue",
    help="Segue: playlist recommendations from the audio embeddings of its tracks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Each command's module is imported only to run or describe it (_lazy.py).
    cls=LazyGroup,
)


def _version(value: bool) -> None:
    if value:
        from segue import __version__
        from segue.catalog import head_revision

        typer.echo(f"segue {__version__} (catalog schema {head_revision()})")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print the version and the catalog schema revision it needs, then exit.",
        ),
    ] = False,
) -> None:
    """Segue: playlist recommendations from the audio embeddings of its tracks."""


def main() -> None:
    # No collections while the command's modules load (_startup.py); _lazy.load ends it.
    _startup.begin()
    single_threaded_blas()
    # Whatever a command creates (the catalog and its WAL, the index, tokens, manifests,
    # reports) is its owner's only; the code also sets these modes where it creates the
    # data dir's files, so the library used on its own is no looser (issue 13).
    os.umask(0o077)
    try:
        app()
    finally:
        _startup.loaded()  # a command never loaded (--help, --version, a usage error)
