"""rich consoles for the commands: a terminal's width on a terminal, no wrapping off one.

rich breaks lines at the terminal's width, and at 80 columns when the output is a pipe or
a file: a token list, a check's finding or an error message piped into ``grep`` or a log
came out broken across lines (issue 26). Off a terminal the consoles are wide enough that
no line of a table or a message is broken, and text is printed as it is (``soft_wrap``).

    >>> out_console().print(table)  # doctest: +SKIP
    >>> err_console().print("imported 12 tracks")  # doctest: +SKIP

rich itself is imported when a console is first made: ``segue token list --json`` prints
without it (issue 26).
"""

from __future__ import annotations

import sys
from functools import cache
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["UNWRAPPED_WIDTH", "console_for", "err_console", "out_console"]

#: a console's width off a terminal: no table row or message is that long
UNWRAPPED_WIDTH = 10_000


def console_for(stream: TextIO, *, stderr: bool = False) -> Console:
    """A console for ``stream`` (stdout, or stderr with ``stderr``): rich's own on a
    terminal, one that never wraps otherwise."""
    from rich.console import Console

    if stream.isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=UNWRAPPED_WIDTH, soft_wrap=True)


def out_console() -> Console:
    """stdout's console, made when a command prints (a test's runner replaces stdout)."""
    return console_for(sys.stdout)


@cache
def err_console() -> Console:
    """stderr's console: messages, warnings and errors, and the progress bars on a
    terminal; made on first use, then the same one (rich writes to ``sys.stderr`` as it
    is when it writes)."""
    return console_for(sys.stderr, stderr=True)
