"""``segue serve --workers N``: several uvicorn processes on one port.

The parent migrates the embedded catalog once, writes the settings into the environment
(the workers are new interpreters that read ``Settings()`` from it, so ``--data-dir`` and
the other flags reach them), creates a fresh ``PROMETHEUS_MULTIPROC_DIR``, and lets
uvicorn's supervisor start the workers, restart one that dies, and stop them all on
SIGTERM or SIGINT. The directory is removed when the supervisor returns.

    >>> export_settings(settings)  # doctest: +SKIP
    >>> with multiprocess_dir():  # doctest: +SKIP
    ...     uvicorn.run(WORKER_APP, factory=True, workers=2)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import Enum

from fastapi import FastAPI
from pydantic import SecretStr

from segue._runtime import serving_collector, single_threaded_blas
from segue._settings_load import load_settings
from segue.api import create_app
from segue.catalog import ensure_schema, open_database
from segue.errors import DatabaseUnavailable, SchemaOutdated
from segue.settings import Settings

__all__ = [
    "MULTIPROC_ENV",
    "WORKER_APP",
    "default_workers",
    "export_settings",
    "migrate_embedded",
    "multiprocess_dir",
    "settings_environment",
    "worker_app",
]

log = logging.getLogger("segue.api")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: The app factory each worker imports.
WORKER_APP = "segue.cli._workers:worker_app"


def default_workers() -> int:
    """The cores this process may run on: one process keeps one core busy, no more."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def settings_environment(settings: Settings) -> dict[str, str | None]:
    """``settings`` as ``SEGUE_*`` variables (``None``: unset) that ``Settings()`` reads back.

    >>> settings_environment(Settings(data_dir="/srv/segue"))["SEGUE_DATA_DIR"]
    '/srv/segue'
    """
    env: dict[str, str | None] = {}
    for name, value in settings:
        key = f"SEGUE_{name.upper()}"
        if value is None:
            env[key] = None
        elif isinstance(value, SecretStr):
            env[key] = value.get_secret_value()
        elif isinstance(value, Enum):
            env[key] = str(value.value)
        else:
            env[key] = str(value)
    return env


def export_settings(settings: Settings) -> None:
    """Put ``settings`` in this process's environment, which the workers inherit."""
    _apply(settings_environment(settings))


def _apply(env: Mapping[str, str | None]) -> None:
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@contextmanager
def multiprocess_dir() -> Iterator[str]:
    """A fresh ``PROMETHEUS_MULTIPROC_DIR`` for this server's workers; removed on the way out.

    Fresh, even if one is set already: files left by an earlier run would be summed in.
    """
    previous = os.environ.get(MULTIPROC_ENV)
    directory = tempfile.mkdtemp(prefix="segue-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        _apply({MULTIPROC_ENV: previous})


async def migrate_embedded(settings: Settings) -> None:
    """Migrate the embedded SQLite catalog, once, before any worker opens it; check a
    shared one's schema, so a wrong one is refused here in one line, before any worker.

    The workers then find it current. A shared PostgreSQL is left to ``segue db upgrade``;
    one that does not answer yet is no reason to refuse to start (``/readyz`` says 503).
    """
    async with open_database(settings) as database:
        try:
            await ensure_schema(database, migrate=settings.database_is_embedded)
        except SchemaOutdated:
            raise  # reachable and wrong: every worker would fail its start on it
        except DatabaseUnavailable as exc:
            log.warning("starting without the database: %s", exc.detail)


def worker_app() -> FastAPI:
    """The app in a worker: settings from the environment the parent prepared."""
    single_threaded_blas()  # a spawned worker does not inherit the parent's limit
    serving_collector()  # nor its collector's thresholds
    # The parent read these same variables and refused bad ones in one line each.
    return create_app(load_settings())
