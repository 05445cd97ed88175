"""Settings as a command reads them: errors an operator can read, typos noticed.

pydantic's own report of ``SEGUE_STRATEGY=bogus`` was a 50-line traceback naming
``strategy``; an operator sets ``SEGUE_STRATEGY``. :func:`load_settings` raises
:class:`segue.errors.SettingsInvalid` with one line per bad variable, naming it and what it
accepts (never the value of a secret), and :func:`unknown_variables` finds ``SEGUE_*``
variables no setting reads (``SEGUE_STRATEGYY`` was silently ignored).

    >>> load_settings(data_dir="/srv/segue").data_dir
    PosixPath('/srv/segue')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr, ValidationError

from segue.errors import SettingsInvalid
from segue.settings import Settings

__all__ = ["describe", "known_variables", "load_settings", "unknown_variables", "variable"]

# Variables of the project's own tools (tests, benchmarks, browser tests), not settings.
_TOOL_PREFIXES = ("SEGUE_TEST_", "SEGUE_BENCH_", "SEGUE_E2E_")


def variable(field: str) -> str:
    """The environment variable of a setting: ``strategy`` -> ``SEGUE_STRATEGY``."""
    return f"SEGUE_{field.upper()}"


def _secret(field: str) -> bool:
    info = Settings.model_fields.get(field)
    return info is not None and "SecretStr" in repr(info.annotation)


def describe(error: ValidationError) -> list[str]:
    """One line per bad setting: its variable, what it accepts, and the value if not secret."""
    lines = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "?"
        message = str(problem["msg"]).removeprefix("Value error, ")
        message = message.replace("Input should be", "expected", 1)
        value = problem.get("input")
        shown = "" if _secret(field) or isinstance(value, SecretStr | dict) else f" (got {value!r})"
        lines.append(f"{variable(field)}: {message}{shown}")
    return lines


def load_settings(**overrides: Any) -> Settings:
    """``Settings()`` from the environment with ``overrides`` (flags) on top; raises
    :class:`SettingsInvalid` with one line per bad variable."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise SettingsInvalid(describe(exc)) from None


def known_variables() -> list[str]:
    """Every setting's variable."""
    return [variable(name) for name in Settings.model_fields]


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """``SEGUE_*`` variables that no setting reads, sorted (the project's tools' excepted)."""
    environ = os.environ if environ is None else environ
    known = set(known_variables())
    return sorted(
        key
        for key in environ
        if key.startswith("SEGUE_") and key not in known and not key.startswith(_TOOL_PREFIXES)
    )
