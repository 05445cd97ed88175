"""Collecting what is wrong with an import file, so one run reports many problems at once.

>>> problems = Problems("tracks.jsonl")
>>> problems.add("line 3", "id: expected an integer, got 'x'")
>>> problems.raise_if_any()
Traceback (most recent call last):
...
segue.errors.ImportRejected: cannot import tracks.jsonl: 1 problem, nothing was written
  line 3: id: expected an integer, got 'x'
"""

from __future__ import annotations

import re

from segue.errors import ImportRejected

__all__ = ["MAX_REPORTED", "Problems"]

# Enough to see a pattern (a wrong column, a shifted file) without burying the terminal.
MAX_REPORTED = 20
# Past this many, stop collecting: a wholly wrong file would otherwise hold millions.
_MAX_KEPT = 1000


class Problems:
    """Problems found in one import source; raise them all together at the end."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._items: list[tuple[str, str]] = []
        self.count = 0

    def add(self, where: str, message: str) -> None:
        """Record a problem at ``where`` (``line 12``, ``row 3``; empty for the whole file)."""
        self.count += 1
        if len(self._items) < _MAX_KEPT:
            self._items.append((where, message))

    @property
    def room(self) -> int:
        """How many more problems :meth:`add` would keep; past them it only counts."""
        return max(0, _MAX_KEPT - len(self._items))

    def add_uncollected(self, n: int) -> None:
        """Count ``n`` more problems without their messages, once :attr:`room` is 0.

        A check that finds many problems in one vectorised pass adds as many as there is
        room for and counts the rest, rather than building messages that would be dropped.
        """
        self.count += max(0, n)

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def items(self) -> tuple[str, ...]:
        """The problems in file order (checks run in passes, so they are found out of it)."""
        ordered = sorted(self._items, key=lambda item: _place_key(item[0]))
        return tuple(f"{where}: {message}" if where else message for where, message in ordered)

    def raise_if_any(self) -> None:
        """Raise :class:`ImportRejected` listing up to :data:`MAX_REPORTED` problems."""
        if not self.count:
            return
        noun = "problem" if self.count == 1 else "problems"
        lines = [f"cannot import {self.source}: {self.count:,} {noun}, nothing was written"]
        lines += [f"  {item}" for item in self.items[:MAX_REPORTED]]
        if self.count > MAX_REPORTED:
            lines.append(f"  ... and {self.count - MAX_REPORTED:,} more")
        raise ImportRejected("\n".join(lines), self.items)


_PLACE = re.compile(r"(.*?)(\d+)$")


def _place_key(where: str) -> tuple[str, int]:
    """``line 9`` before ``line 10``; whole-file problems (no place) first."""
    match = _PLACE.fullmatch(where)
    return (match[1], int(match[2])) if match else (where, -1)
