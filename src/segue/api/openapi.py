"""The API's OpenAPI schema as JSON, from which the UI's types are generated.

    python -m segue.api.openapi > frontend/openapi.json   # what `make types` runs

The settings are fixed (``/metrics`` on the API's own port), so the output depends on the
code alone; ``tests/api/test_openapi_snapshot.py`` fails when the snapshot drifts from it.
"""

from __future__ import annotations

import json
import sys

from segue.settings import Settings

from ._app import create_app

__all__ = ["openapi_json"]


def openapi_json() -> str:
    """The schema ``/openapi.json`` serves, indented, with a final newline."""
    schema = create_app(Settings(metrics_port=None)).openapi()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(openapi_json())
