"""Identifier syntax against the ATProto interop test files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from segue.atproto import is_at_uri, is_cid, is_did, is_handle

# The interop files, copied into the repository (CC0): a clone tests with nothing beside it.
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


def _lines(name: str) -> list[str]:
    path = FIXTURES_DIR / name
    assert path.exists(), f"the ATProto interop fixtures are missing: {path}"
    # As in the interop suite: "#" starts a comment line, blank lines separate groups.
    # Other whitespace is part of the case ("at://did:plc:asdf123 " must be refused).
    lines = [line for line in path.read_text().split("\n") if line and not line.startswith("#")]
    assert lines, f"{path} holds no cases"
    return lines


CASES: list[tuple[str, Callable[[str], bool], str, bool]] = [
    (f"{kind}_syntax_{verdict}.txt", check, line, verdict == "valid")
    for kind, check in (("did", is_did), ("cid", is_cid), ("aturi", is_at_uri))
    for verdict in ("valid", "invalid")
    for line in _lines(f"{kind}_syntax_{verdict}.txt")
]


@pytest.mark.parametrize(
    ("source", "check", "text", "expected"), CASES, ids=[f"{c[0]}:{c[2][:40]}" for c in CASES]
)
def test_interop_syntax_case(
    source: str, check: Callable[[str], bool], text: str, expected: bool
) -> None:
    assert check(text) is expected, f"{source}: {text!r}"


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("alice.example.com", True),
        ("xn--ls8h.test", True),
        ("a.b", True),
        ("alice", False),
        ("alice.123", False),
        ("-alice.example.com", False),
        ("alice..example.com", False),
        ("alice example.com", False),
        ("a" * 64 + ".com", False),
    ],
)
def test_handle_syntax(handle: str, expected: bool) -> None:
    assert is_handle(handle) is expected
