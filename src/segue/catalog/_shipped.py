"""The migrations this Segue ships, read from their files without Alembic or SQLAlchemy.

``segue --version`` names the newest, and every command compares a database's revision
with it; Alembic's ``ScriptDirectory`` answered that by importing Alembic, Mako and
SQLAlchemy (issue 26). A migration file's ``revision`` and ``down_revision`` lines are
all it takes; ``tests/catalog/test_revisions.py`` holds these answers to Alembic's own.

    >>> head_revision()
    '0009'
    >>> "0001" in known_revisions()
    True
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from segue import __version__
from segue.errors import SchemaNewer

__all__ = ["head_revision", "known_revisions", "refuse_newer"]

_VERSIONS = Path(__file__).parent / "migrations" / "versions"


def _assigned(tree: ast.Module, name: str) -> object:
    """The literal a module assigns to ``name`` at its top level (``revision: str = "0009"``)."""
    for node in tree.body:
        targets: list[ast.expr]
        if isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        else:
            continue
        if value is not None and any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return ast.literal_eval(value)
    raise LookupError(f"no {name} in the migration")


@cache
def _parents() -> dict[str, tuple[str, ...]]:
    """Each shipped revision and the revisions it follows, from the migration files."""
    parents: dict[str, tuple[str, ...]] = {}
    for path in sorted(_VERSIONS.glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        revision = _assigned(tree, "revision")
        down = _assigned(tree, "down_revision")
        assert isinstance(revision, str), path
        # None for the first, a string for one parent, a tuple or list for a merge.
        follows = (down,) if isinstance(down, str) else down or ()
        assert isinstance(follows, tuple | list), path
        parents[revision] = tuple(str(parent) for parent in follows)
    return parents


def head_revision() -> str:
    """The newest migration shipped with this version of Segue."""
    parents = _parents()
    followed = {p for ps in parents.values() for p in ps}
    heads = [revision for revision in parents if revision not in followed]
    assert len(heads) == 1, f"segue.catalog ships one line of migrations, not {heads}"
    return heads[0]


def known_revisions() -> frozenset[str]:
    """Every migration this Segue ships (its newest is :func:`head_revision`)."""
    return frozenset(_parents())


def refuse_newer(current: str | None) -> None:
    """Raise :class:`SchemaNewer` when ``current`` is a migration this Segue does not know."""
    if current is None or current in known_revisions():
        return
    raise SchemaNewer(
        f"the database schema is at migration {current}, which this Segue ({__version__}, "
        f"newest migration {head_revision()}) does not know: a newer Segue has upgraded it. "
        f"Run a Segue release that accepts {current} (CHANGELOG.md lists each release's "
        f"revisions), or restore the backup taken before that upgrade; `segue db upgrade` "
        f"cannot go back"
    )
