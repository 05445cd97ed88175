"""``single_threaded_blas`` holds even when numpy is imported after it, as every lazily
imported command does (issue 26): the limit was a no-op then."""

from __future__ import annotations

import json
import os
import subprocess
import sys

_PROBE = """
import json, sys
from threadpoolctl import threadpool_info
if sys.argv[1] == "limit":
    from segue._runtime import single_threaded_blas
    single_threaded_blas()
import numpy
print(json.dumps([lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]))
"""


def _blas_threads(mode: str) -> list[int]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, mode],
        capture_output=True, text=True, check=True, timeout=300, env=env,
    ).stdout  # fmt: skip
    threads: list[int] = json.loads(out)
    return threads


def test_blas_is_limited_when_numpy_comes_later() -> None:
    assert _blas_threads("limit") == [1]


def test_the_probe_sees_more_threads_without_the_limit() -> None:
    # More than one core here; the first test could not fail otherwise.
    assert (os.cpu_count() or 1) > 1
    assert _blas_threads("none")[0] > 1


_WORKER_PROBE = """
import gc, json
before = gc.get_threshold()
from segue.cli._workers import worker_app
worker_app()
print(json.dumps([before, gc.get_threshold()]))
"""


def test_a_worker_collects_young_objects_less_often(tmp_path) -> None:
    # What `segue serve --workers N` runs in each spawned process (one worker: serve_app).
    env = {**os.environ, "SEGUE_DATA_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", _WORKER_PROBE],
        capture_output=True, text=True, check=True, timeout=300, env=env,
    ).stdout  # fmt: skip
    before, after = json.loads(out)
    from segue._runtime import SERVING_GC_THRESHOLD

    assert before[0] < SERVING_GC_THRESHOLD
    assert after == [SERVING_GC_THRESHOLD, before[1], before[2]]
