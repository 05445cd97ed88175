"""``segue.catalog`` and ``segue.atproto`` import a name's module on first use (issue 26):
the ``TYPE_CHECKING`` imports (what type checkers see) and ``_HOMES`` (what runs) agree,
and every name in ``__all__`` is found."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGES = pytest.mark.parametrize("package", ["segue.catalog", "segue.atproto"])


def _type_checking_homes(path: Path) -> dict[str, str]:
    tree = ast.parse(path.read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    return {
        alias.asname or alias.name: "." + str(node.module)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


@PACKAGES
def test_homes_are_the_type_checkers_imports(package: str) -> None:
    module = importlib.import_module(package)
    assert _type_checking_homes(Path(str(module.__file__))) == module._HOMES
    assert set(module._HOMES) == set(module.__all__)


@PACKAGES
def test_every_name_is_found_and_an_unknown_one_is_not(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        home = importlib.import_module(module._HOMES[name], package)
        assert getattr(module, name) is getattr(home, name)
    with pytest.raises(AttributeError, match="no_such_name"):
        module.no_such_name  # noqa: B018


def test_importing_the_catalog_imports_none_of_its_modules() -> None:
    probe = "import sys, segue.catalog; print(sorted(m for m in sys.modules if 'catalog.' in m))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    ).stdout
    assert out.strip() == "[]"
