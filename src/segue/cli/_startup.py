"""The collector during ``segue``'s start-up: off while the command's modules load, then
those modules' objects frozen (kept out of every later collection) and the collector back on.

Importing SQLAlchemy, pydantic and typer makes a few hundred thousand objects that live as
long as the process. Python's collector walked them all again and again while they loaded
and once more at exit, about a third of ``segue token list``'s CPU (0.3 s of 0.7 s, issue
26). Nothing they make is garbage worth a collection, so the collector waits, and
:func:`gc.freeze` (what the :mod:`gc` documentation advises before forking workers) moves
them out of its way. The command's own work is collected as usual: ``segue serve`` or
``segue follow`` run for days.

Only the ``segue`` program does this (:func:`segue.cli.main`); a test invoking the app
leaves its own process's collector alone.

    >>> begin()  # doctest: +SKIP
    >>> module = importlib.import_module("segue.cli._token")  # doctest: +SKIP
    >>> loaded()  # doctest: +SKIP
"""

from __future__ import annotations

import gc

__all__ = ["begin", "loaded"]

_waiting = False


def begin() -> None:
    """Start-up begins: no collection until :func:`loaded`."""
    global _waiting
    gc.disable()
    _waiting = True


def loaded() -> None:
    """The command's modules are loaded: freeze what exists, collect as usual from now on.
    Does nothing unless :func:`begin` was called (once only)."""
    global _waiting
    if not _waiting:
        return
    _waiting = False
    gc.freeze()
    gc.enable()
