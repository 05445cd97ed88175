"""Process-wide set-up shared by the CLI, the API and the benchmarks."""

from __future__ import annotations

import gc
import os

from threadpoolctl import threadpool_limits

__all__ = ["SERVING_GC_THRESHOLD", "serving_collector", "single_threaded_blas"]

#: Allocations (net of frees) between two young collections in a server; Python's is 700.
SERVING_GC_THRESHOLD = 10_000


def single_threaded_blas() -> None:
    """Limit BLAS to one thread for the rest of the process (and the processes it starts).

    The engine's matrices are small (a playlist by 512); spreading them over BLAS threads
    costs more in wake-ups than it saves, and a server already runs requests in parallel.
    On a loaded 2-core machine a threaded 1000x512 k-means measured 390 ms, single 17 ms.

        >>> single_threaded_blas()
        >>> import numpy  # its OpenBLAS starts with one thread
    """
    # threadpoolctl limits the libraries loaded so far, and the CLI calls this before a
    # command imports numpy (issue 26's lazy imports): OpenBLAS reads this variable when
    # it loads. OpenMP's is left alone: torch (`segue embed`) takes its threads from it.
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    threadpool_limits(limits=1, user_api="blas")


def serving_collector() -> None:
    """Tune the garbage collector for a server process (``segue serve``, each worker, demo).

    Python collects its young objects every 700 allocations net of frees. A server with
    64 requests in flight keeps more than that alive at any moment, so it collected about
    once every ten requests and found almost nothing to free: under the serving benchmark,
    2,079 young, 189 middle and 17 full collections freed 675 objects in 0.76 s, about 35 us
    of each cache hit (issue 20, docs/benchmarks.md). At 10,000 the same load ran 3
    collections, which freed 723 objects; the cycles a request leaves (an exception and
    its traceback, say) wait a little longer for theirs: up to 10,000 new objects, not 700.

        >>> serving_collector()
        >>> gc.get_threshold()[0]
        10000
    """
    _, middle, old = gc.get_threshold()
    gc.set_threshold(SERVING_GC_THRESHOLD, middle, old)
