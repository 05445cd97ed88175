"""Options more than one command takes, and how an option that overrides a setting is
declared (its help states the default, so typer shows none)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["DataDirOption", "option_no_default"]


def option_no_default(*names: str, help: str, **kwargs: Any) -> Any:
    """A ``typer.Option`` that shows no default of its own: its help says what it
    overrides and what applies without it (``None`` in the code means "not given")::

        Annotated[int | None, option_no_default("--port", help="... (overrides SEGUE_PORT)")]
    """
    return typer.Option(*names, help=help, show_default=False, **kwargs)


DataDirOption = Annotated[
    Path | None,
    option_no_default(
        "--data-dir",
        help="Where embedded data lives (overrides SEGUE_DATA_DIR; default ./segue-data).",
        file_okay=False,
    ),
]
