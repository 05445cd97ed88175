"""Follow's rules live in one package: changing how a followed record is applied touches
``segue.follow`` only. The catalog keeps the tables and the primitives; it knows nothing
of following, and nothing but ``segue.follow`` writes the tables through
``segue.catalog.tables``. Checked by reading every module's imports and names."""

from __future__ import annotations

import ast
from pathlib import Path

import segue

SRC = Path(segue.__file__).resolve().parent
FOLLOW_TABLES = frozenset({"FollowRecord", "FollowListItem", "FollowAccount"})


def _modules(part: str) -> list[Path]:
    paths = sorted((SRC / part).rglob("*.py"))
    assert paths, f"no modules under {part}"
    return paths


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            # `from segue.catalog import tables` imports segue.catalog.tables as well.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_catalog_knows_nothing_of_following() -> None:
    offenders = {
        str(p.relative_to(SRC)): sorted(n for n in _imported(p) if n.startswith("segue.follow"))
        for p in _modules("catalog")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_follow_writes_the_tables_from_outside_the_catalog() -> None:
    users = sorted(
        str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if "segue.catalog.tables" in _imported(p)
    )
    assert users, "nothing imports segue.catalog.tables: the check reads the wrong tree"
    assert [u for u in users if not u.startswith("follow/")] == []


def _names(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            found.update(alias.name for alias in node.names)
    return found


def test_the_follow_tables_are_used_only_by_follow_and_the_schema() -> None:
    schema = {"catalog/_models.py", "catalog/tables.py"}
    users = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if _names(p) & FOLLOW_TABLES}
    assert schema <= users  # the check sees the names where they are defined and listed
    assert {u for u in users - schema if not u.startswith("follow/")} == set()
