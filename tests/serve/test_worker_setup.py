"""What the parent of ``segue serve --workers N`` prepares before the workers start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from pydantic import SecretStr

from segue.catalog import current_revision, head_revision, open_database
from segue.cli._workers import (
    MULTIPROC_ENV,
    default_workers,
    export_settings,
    migrate_embedded,
    multiprocess_dir,
    settings_environment,
)
from segue.settings import CacheBackend, Settings, VectorBackend


def test_settings_reach_the_workers_through_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Set in the environment, then overridden (or unset) by the command line.
    monkeypatch.setenv("SEGUE_REDIS_URL", "redis://elsewhere:6379/0")
    monkeypatch.setenv("SEGUE_DATA_DIR", "/not/this/one")
    settings = Settings(
        data_dir=tmp_path / "data",
        redis_url=None,
        database_url="postgresql://segue@db.example/segue",
        vector_backend=VectorBackend.TURBOPUFFER,
        turbopuffer_api_key=SecretStr("tpuf_secret"),
        cache_backend=CacheBackend.MEMORY,
        cache_ttl_seconds=0.25,
        metrics_port=9100,
        workers=3,
    )
    saved = dict(os.environ)
    export_settings(settings)
    try:
        assert Settings() == settings
        assert "SEGUE_REDIS_URL" not in os.environ
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_every_setting_has_a_variable() -> None:
    env = settings_environment(Settings())
    assert set(env) == {f"SEGUE_{name.upper()}" for name in Settings.model_fields}


def test_the_default_is_one_worker_per_usable_core() -> None:
    assert default_workers() == len(os.sched_getaffinity(0))


def test_the_embedded_catalog_is_migrated_once_by_the_parent(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert not (tmp_path / "data" / "segue.db").exists()
    asyncio.run(migrate_embedded(settings))

    async def revision() -> str | None:
        database = open_database(settings)
        try:
            return await current_revision(database)
        finally:
            await database.aclose()

    assert asyncio.run(revision()) == head_revision()


def test_the_metrics_directory_is_fresh_and_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MULTIPROC_ENV, "/an/old/one")
    with multiprocess_dir() as directory:
        assert os.environ[MULTIPROC_ENV] == directory != "/an/old/one"
        assert Path(directory).is_dir()
        assert not list(Path(directory).iterdir())
        (Path(directory) / "counter_1.db").write_bytes(b"")
    assert not Path(directory).exists()
    assert os.environ[MULTIPROC_ENV] == "/an/old/one"


# A worker that records computations in flight, then dies without cleaning up.
_DYING_WORKER = """
from segue.metrics import COMPUTATIONS_IN_FLIGHT, RECOMMENDATION_CACHE
COMPUTATIONS_IN_FLIGHT.inc(3)
RECOMMENDATION_CACHE.labels(result="hit").inc(2)
"""


def test_a_dead_worker_leaves_no_computations_in_flight() -> None:
    from segue.api import metrics_registry

    def samples(registry: CollectorRegistry) -> dict[str, float]:
        return {
            s.name: s.value
            for family in registry.collect()
            for s in family.samples
            if s.name in (CACHE_HITS, IN_FLIGHT)
        }

    with multiprocess_dir() as directory:
        env = {**os.environ, MULTIPROC_ENV: directory}
        subprocess.run([sys.executable, "-c", _DYING_WORKER], env=env, check=True, timeout=120)
        live_files = list(Path(directory).glob("gauge_livesum_*.db"))
        assert len(live_files) == 1
        # prometheus-client alone would still count the dead worker's 3 computations...
        plain = CollectorRegistry()
        MultiProcessCollector(plain, directory)
        assert samples(plain) == {CACHE_HITS: 2, IN_FLIGHT: 3}
        # ... /metrics forgets them, and keeps what it counted.
        assert samples(metrics_registry()).get(IN_FLIGHT, 0.0) == 0
        assert samples(metrics_registry())[CACHE_HITS] == 2
        assert not live_files[0].exists()


CACHE_HITS = "segue_recommendation_cache_total"
IN_FLIGHT = "segue_recommendation_computations_in_flight"
