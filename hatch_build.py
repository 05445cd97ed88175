"""The wheel carries the built UI as package data (``segue/ui``, docs/operations.md).

Only the wheel: an editable install (``uv sync``) must work before the UI is built, and
serves ``frontend/dist`` from the checkout instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class BuiltUi(BuildHookInterface):  # type: ignore[misc]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        dist = Path(self.root) / "frontend" / "dist"
        if not (dist / "index.html").is_file():
            raise RuntimeError("the wheel carries the built UI: run `make ui` first")
        build_data["force_include"][str(dist)] = "segue/ui"
