"""The CPU-heavy steps of a recommendation run off the event loop, so one long search or
k-means does not stall every other request (nor make Redis's 50 ms timeouts fire)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from segue.engine import normalize
from segue.recommendations import recommend
from segue.vectors import LocalVectorStore
from segue.vectors._snapshot import Snapshot


class _Recording:
    """Stands between the store and its usearch graph, noting the thread of each search."""

    def __init__(self, index: Any) -> None:
        self._index = index
        self.threads: list[int] = []

    def search(self, *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.get_ident())
        return self._index.search(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._index, name)

    def __len__(self) -> int:
        return len(self._index)


async def _store(tmp_path: Path, n: int) -> tuple[LocalVectorStore, _Recording]:
    store = LocalVectorStore(tmp_path / "v.usearch")
    rng = np.random.default_rng(0)
    await store.upsert(np.arange(1, n + 1), normalize(rng.normal(size=(n, 8)).astype(np.float32)))
    snap = store._current()
    assert snap is not None
    recording = _Recording(snap.graph)
    recorded = Snapshot(recording, snap.exact)  # type: ignore[arg-type]
    store._current = lambda: recorded  # type: ignore[method-assign]
    return store, recording


async def test_large_searches_run_in_a_worker_thread(tmp_path: Path):
    store, recording = await _store(tmp_path, 25_000)
    ranking = await recommend(store, list(range(1, 9)), limit=5)  # k-means, then 3 queries
    assert ranking.ids.size == 5
    assert recording.threads
    assert threading.get_ident() not in recording.threads


async def test_small_searches_stay_inline(tmp_path: Path):
    # A hand-off to a thread would cost more than searching 300 vectors.
    store, recording = await _store(tmp_path, 300)
    await recommend(store, [1, 2], limit=5)
    assert recording.threads == [threading.get_ident()]
