"""How bulk writes (and the imports that make them) report progress without knowing who
draws it.

A service calls ``steps("writing tracks", total)`` once per long step and gets back a
function to call with each batch's size. The CLI draws rich progress bars; tests and the
demo pass nothing.

    >>> advance = no_progress("writing tracks", 100)
    >>> advance(10)
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Advance", "Steps", "no_progress"]

Advance = Callable[[int], None]
#: ``steps(description, total) -> advance``
Steps = Callable[[str, int], Advance]


def _ignore(_n: int) -> None:
    return None


def no_progress(description: str, total: int) -> Advance:
    """The :class:`Steps` that reports nothing."""
    del description, total
    return _ignore
