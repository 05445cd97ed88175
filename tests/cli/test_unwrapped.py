"""Off a terminal nothing is broken across lines (issue 26, item 9): a table row or a message
piped into ``grep`` or a log is one line, however long; on a terminal rich wraps as usual."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from rich.table import Table

from segue.catalog import token_id_of
from segue.cli._consoles import console_for


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _table() -> Table:
    table = Table("id", "user")
    table.add_row("abc123", "x" * 150 + " end")
    return table


def test_off_a_terminal_a_long_row_and_a_long_message_stay_one_line() -> None:
    out = io.StringIO()
    console = console_for(out)
    console.file = out
    console.print(_table())
    console.print("word " * 60 + "end")
    lines = out.getvalue().splitlines()
    assert any("abc123" in line and "x" * 150 + " end" in line for line in lines)
    assert ("word " * 60 + "end") in lines


def test_on_a_terminal_rich_wraps_at_its_width() -> None:
    out = _Terminal()
    console = console_for(out)
    console.file = out
    console.width = 80
    console.print(_table())
    assert not any("x" * 150 in line for line in out.getvalue().splitlines())


def test_token_list_piped_keeps_each_row_on_one_line(tmp_path: Path) -> None:
    handle = f"{'a' * 60}.{'b' * 60}.example.com"  # a row over 200 columns
    data = ["--data-dir", str(tmp_path / "data")]
    segue = [sys.executable, "-m", "segue"]
    created = subprocess.run(
        [*segue, "token", "create", "--did", "did:plc:longhandle", "--handle", handle, *data],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    token_id = token_id_of(created.stdout.strip())
    listed = subprocess.run(
        [*segue, "token", "list", *data], capture_output=True, text=True, check=True, timeout=300
    ).stdout
    rows = [line for line in listed.splitlines() if handle in line]
    assert len(rows) == 1, listed
    assert "did:plc:longhandle" in rows[0]
    assert token_id in rows[0]
