"""``WindowQueue``: windows of several tracks embedded together, in batches of a fixed size.

What ``segue embed PATH`` and ``segue embed --catalog`` share: a track's windows join the
queue, every full batch is one model call (windows of several tracks side by side), and a
track is finished, its vector pooled, once all its windows are embedded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Sequence
from typing import Generic, Protocol, TypeVar

import numpy as np

from segue.engine import FloatMatrix, normalize

from ._audio import Samples

__all__ = ["Embedder", "WindowQueue", "pool_windows"]

K = TypeVar("K", bound=Hashable)


class Embedder(Protocol):
    """What the queue needs of a model; :class:`ClapEmbedder` is the real one."""

    name: str
    sample_rate: int
    window_samples: int
    dimension: int

    def embed_windows(self, windows: Sequence[Samples]) -> FloatMatrix: ...


def pool_windows(window_vectors: FloatMatrix) -> FloatMatrix:
    """A file's embedding from its windows' unit vectors: their mean, scaled to unit length.

    >>> pooled = pool_windows(np.array([[1, 0], [0, 1]], np.float32))
    >>> np.allclose(pooled, [0.7071, 0.7071], atol=1e-4)
    True
    """
    mean = np.asarray(window_vectors, np.float32).mean(axis=0, keepdims=True)
    return normalize(mean).reshape(-1)


class WindowQueue(Generic[K]):
    """Tracks' windows waiting for the model, ``batch_size`` windows per call.

    >>> queue = WindowQueue(embedder, batch_size=8)  # doctest: +SKIP
    >>> queue.add("a.mp3", windows)  # doctest: +SKIP
    >>> while queue.full:  # doctest: +SKIP
    ...     finished = queue.run_batch()  # [(key, pooled vector), ...]
    """

    def __init__(self, embedder: Embedder, batch_size: int) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.embedder = embedder
        self.batch_size = batch_size
        self._queue: deque[tuple[K, Samples]] = deque()
        self._expected: dict[K, int] = {}
        self._vectors: dict[K, list[FloatMatrix]] = {}
        #: model calls made, and windows embedded, so far
        self.calls = 0
        self.windows = 0

    def add(self, key: K, windows: Sequence[Samples]) -> None:
        """Queue a track's windows (at least one); ``key`` must not be queued already."""
        if not windows:
            raise ValueError("a track needs at least one window")
        if key in self._expected:
            raise ValueError(f"{key!r} is queued already")
        self._expected[key] = len(windows)
        self._vectors[key] = []
        self._queue.extend((key, window) for window in windows)

    def __len__(self) -> int:
        """Windows waiting."""
        return len(self._queue)

    @property
    def full(self) -> bool:
        return len(self._queue) >= self.batch_size

    def run_batch(self) -> list[tuple[K, FloatMatrix]]:
        """One model call on up to ``batch_size`` waiting windows; the tracks it finished,
        each with its pooled vector, in the order they finished."""
        items = [self._queue.popleft() for _ in range(min(self.batch_size, len(self._queue)))]
        if not items:
            return []
        vectors = self.embedder.embed_windows([window for _, window in items])
        self.calls += 1
        self.windows += len(items)
        finished: list[tuple[K, FloatMatrix]] = []
        for (key, _), vector in zip(items, vectors, strict=True):
            got = self._vectors[key]
            got.append(vector)
            if len(got) == self._expected[key]:
                finished.append((key, pool_windows(np.stack(got))))
                del self._vectors[key], self._expected[key]
        return finished

    def drain(self) -> list[tuple[K, FloatMatrix]]:
        """Embed everything still waiting (the last batch may be short)."""
        finished: list[tuple[K, FloatMatrix]] = []
        while self._queue:
            finished.extend(self.run_batch())
        return finished
