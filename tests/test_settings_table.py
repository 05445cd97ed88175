"""The README's configuration table is generated from Settings and must not drift from it."""

from __future__ import annotations

import os
import re
from enum import Enum
from pathlib import Path

import pytest

from segue._settings_table import BEGIN, END, markdown_table, render_default, rewrite
from segue.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
# Variables of the tests, benchmarks and browser tests, not of the service.
_NOT_SETTINGS = re.compile(r"SEGUE_(TEST|BENCH|E2E)_")


def _table(text: str) -> str:
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def test_readme_table_is_generated_from_settings() -> None:
    assert _table(README.read_text(encoding="utf-8")) == markdown_table(), (
        "the README's configuration table has drifted from src/segue/settings.py: "
        "run `make settings-table`"
    )


def test_every_setting_has_a_row_with_its_default_and_every_row_is_a_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [n for n in os.environ if n.startswith("SEGUE_")]:
        monkeypatch.delenv(name)
    defaults = Settings()
    rows = {}
    for line in _table(README.read_text(encoding="utf-8")).splitlines()[2:]:
        variable, default, _meaning = (cell.strip() for cell in line.strip("|").split(" | ", 2))
        rows[variable.strip("`")] = default
    fields = {f"SEGUE_{name.upper()}": name for name in Settings.model_fields}
    assert set(rows) == set(fields)
    for variable, name in fields.items():
        value = getattr(defaults, name)
        shown = rows[variable]
        if isinstance(value, bool):  # a switch, written as operators set it
            value = "on" if value else "off"
        if isinstance(value, Enum):
            value = value.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        assert shown == ("unset" if value is None else f"`{value}`"), variable


def test_every_setting_is_described() -> None:
    undescribed = [n for n, f in Settings.model_fields.items() if not (f.description or "").strip()]
    assert undescribed == []


def test_every_segue_variable_the_readme_names_is_a_setting() -> None:
    named = set(re.findall(r"SEGUE_[A-Z0-9_]*[A-Z0-9]", README.read_text(encoding="utf-8")))
    known = {f"SEGUE_{name.upper()}" for name in Settings.model_fields}
    assert {n for n in named if not _NOT_SETTINGS.match(n)} - known == set()


def test_defaults_render_as_an_operator_writes_them() -> None:
    fields = Settings.model_fields
    assert render_default(fields["redis_url"]) == "unset"
    assert render_default(fields["cache_ttl_seconds"]) == "`86400`"
    assert render_default(fields["vector_backend"]) == "`local`"
    assert render_default(fields["vector_timeout_seconds"]) == "`2`"
    assert "[docs/cache.md](docs/cache.md)" in markdown_table()


def test_rewrite_replaces_only_the_table_and_needs_its_markers() -> None:
    text = f"intro\n{BEGIN}\n| stale |\n{END}\noutro\n"
    assert rewrite(text) == f"intro\n{BEGIN}\n{markdown_table()}\n{END}\noutro\n"
    with pytest.raises(ValueError, match="markers"):
        rewrite("no table here")
