"""Names of a package imported from their modules on first use (PEP 562).

A package whose modules cost a command real start-up time (SQLAlchemy, Alembic, numpy, HTTP
clients) lists each public name's home module, and imports it only when the name is first
read; type checkers see the same names through a ``TYPE_CHECKING`` block beside the table
(``tests/catalog/test_lazy_packages.py`` holds the two to each other)::

    _HOMES = {"open_database": "._db", "Database": "._db"}
    __getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)

Standard library only, so the leaf package ``segue.atproto`` can use it too.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str, homes: Mapping[str, str], public: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package``: a name of ``homes`` is
    imported from its module (relative to ``package``) on first use, then kept in the
    package's namespace, so the next look-up is an ordinary one."""

    def getattr_(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def dir_() -> list[str]:
        return sorted({*vars(sys.modules[package]), *public})

    return getattr_, dir_
