"""Process-wide set-up shared by the CLI, the API and the benchmarks."""

from __future__ import annotations

import os

from threadpoolctl import threadpool_limits

__all__ = ["single_threaded_blas"]


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
