from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import numpy as np

__all__ = ["machine", "percentiles_ms", "time_calls"]


def time_calls(fn: Callable[[], object], *, reps: int, warmup: int = 2) -> np.ndarray:
    """Wall-clock seconds of ``reps`` calls of ``fn`` (after ``warmup`` untimed calls)."""
    for _ in range(warmup):
        fn()
    out = np.empty(reps)
    for i in range(reps):
        t0 = time.perf_counter()
        fn()
        out[i] = time.perf_counter() - t0
    return out


def percentiles_ms(samples: np.ndarray) -> tuple[float, float]:
    p50, p99 = np.percentile(samples, [50, 99])
    return float(p50 * 1e3), float(p99 * 1e3)


def machine() -> str:
    mem_kb = 0
    try:
        with open("/proc/meminfo") as fh:
            mem_kb = int(fh.readline().split()[1])
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_kb / 2**20:.1f} GiB memory, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
