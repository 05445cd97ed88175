"""Metrics an operator needs (issue 26, item 7): the build, the Redis circuit, no
``segue_follow_*`` in the API's ``/metrics``, and each worker's process metrics."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from segue import __version__
from segue.catalog import head_revision

from .conftest import World


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
    }


async def test_build_circuit_and_no_follow_metrics(world: World) -> None:
    r = await world.client.get("/metrics")
    assert r.status_code == 200
    found = samples(r.text)
    build = ("segue_build_info", frozenset({("version", __version__), ("schema", head_revision())}))
    assert found[build] == 1.0
    assert "segue_follow_" not in r.text
    if world.app.state.resources.redis is not None:  # PostgreSQL's run has Redis
        states = {
            dict(labels)["state"]: v
            for (name, labels), v in found.items()
            if name == "segue_redis_circuit"
        }
        assert states == {"closed": 1.0, "open": 0.0, "half_open": 0.0}


_WORKERS = """
import os, sys, time, multiprocessing as mp
from prometheus_client import Counter
def worker(ready):
    Counter("segue_x_total", "x").inc()
    ready.set()
    time.sleep(60)
if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    ready = [ctx.Event() for _ in range(2)]
    procs = [ctx.Process(target=worker, args=(e,), daemon=True) for e in ready]
    for p in procs: p.start()
    for e in ready: e.wait(60)
    from prometheus_client import generate_latest
    from segue.api import metrics_registry
    print(" ".join(str(p.pid) for p in procs))
    sys.stdout.write(generate_latest(metrics_registry()).decode())
"""


def test_every_worker_has_its_process_metrics(tmp_path: Path) -> None:
    script = tmp_path / "workers.py"
    script.write_text(_WORKERS)
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120,
        check=True,
    ).stdout  # fmt: skip
    pids, text = out.split("\n", 1)
    found = samples(text)
    for pid in pids.split():
        key = ("process_resident_memory_bytes", frozenset({("pid", pid)}))
        assert found[key] > 0
    assert found[("segue_x_total", frozenset())] == 2.0
