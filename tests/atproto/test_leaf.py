"""``segue.atproto`` is a leaf: it imports nothing from Segue but ``segue.errors`` and
``segue.limits`` (and ``segue._lazy``, standard library only), so every other part (the
catalog, ``segue follow``, the imports) can build on it without a cycle. Checked by reading
every module's imports, wherever they are (a function's body and ``TYPE_CHECKING`` blocks
included)."""

from __future__ import annotations

import ast
from pathlib import Path

import segue.atproto

PACKAGE = Path(segue.atproto.__file__).resolve().parent
# segue._lazy: the standard library only (its lazy names, as the catalog has them).
ALLOWED = frozenset({"segue.errors", "segue.limits", "segue._lazy"})


def segue_imports(source: str, package: str) -> set[str]:
    """The Segue modules ``source`` imports (absolute names), for a module of ``package``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if not node.level:
                found.add(node.module or "")
                continue
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            if node.module:
                found.add(f"{base}.{node.module}")
            else:  # `from . import x`: x is a module of the package itself
                found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "segue" or name.startswith("segue.")}


def forbidden(source: str, package: str) -> set[str]:
    own = ("segue.atproto", "segue.atproto.")
    return {
        name
        for name in segue_imports(source, package)
        if name not in ALLOWED and not (name == own[0] or name.startswith(own[1]))
    }


def test_the_package_imports_only_errors_and_limits_from_segue() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) >= 5  # __init__ and its modules: the walk found the package
    problems = {}
    for path in modules:
        package = ".".join(("segue", "atproto", *path.relative_to(PACKAGE).parent.parts))
        names = forbidden(path.read_text(), package)
        if names:
            problems[str(path.relative_to(PACKAGE))] = names
    assert problems == {}


def test_the_check_sees_every_kind_of_import() -> None:
    sample = """
from __future__ import annotations
import segue.catalog
from segue.follow import decode
from segue.errors import InvalidInput
from segue.limits import TITLE_MAX_LENGTH
from ._syntax import is_did
from . import _record
from .. import settings
from ..cache import _redis
if TYPE_CHECKING:
    from segue.api import app
def late():
    import segue.engine
"""
    assert forbidden(sample, "segue.atproto") == {
        "segue.catalog",
        "segue.follow",
        "segue.settings",
        "segue.cache",
        "segue.api",
        "segue.engine",
    }
