"""Input checks: vectors as finite float32 matrices, ids in range, limits."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

from segue.errors import DimensionMismatch, InvalidInput
from segue.limits import TRACK_ID_MAX, track_id_out_of_range

from ._types import FloatMatrix, IdArray

__all__ = ["MAX_ID", "check_ids", "check_limit", "check_matrix"]

# The one limit of segue.limits, re-exported under the engine's name.
MAX_ID = TRACK_ID_MAX


def check_matrix(
    vectors: ArrayLike, *, dim: int | None = None, name: str = "vectors"
) -> FloatMatrix:
    """Return ``vectors`` as a C-contiguous float32 matrix, or raise a clear error."""
    arr = np.asarray(vectors)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise InvalidInput(f"{name} must be a 2-D array of shape (n, dim), got {arr.ndim}-D")
    if arr.shape[1] == 0:
        raise InvalidInput(f"{name} have dimension 0")
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise InvalidInput(f"{name} must be real numbers, got dtype {arr.dtype}")
    if dim is not None and arr.shape[1] != dim:
        raise DimensionMismatch(f"{name} have dimension {arr.shape[1]}, expected {dim}")
    out = np.ascontiguousarray(arr, dtype=np.float32)
    finite = np.isfinite(out).all(axis=1)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        raise InvalidInput(f"{name} row {bad} contains NaN or infinite values")
    return out


def check_ids(ids: Iterable[int] | ArrayLike, *, name: str = "ids") -> IdArray:
    """Return ``ids`` as int64, refusing negatives, non-integers and values past
    :data:`MAX_ID` (2**53 - 1, see :mod:`segue.limits`)."""
    arr = ids if isinstance(ids, np.ndarray) else np.asarray(list(ids))  # type: ignore[arg-type]
    if arr.size == 0:
        return np.empty(0, np.int64)
    if arr.ndim != 1:
        raise InvalidInput(f"{name} must be a flat list of integers")
    if not np.issubdtype(arr.dtype, np.integer):
        raise InvalidInput(f"{name} must be integers, got {arr.dtype}")
    # Compared before any cast: a uint64 past 2**63 - 1 would wrap to a negative int64.
    if int(arr.max()) > MAX_ID:
        raise InvalidInput(f"{name}: {track_id_out_of_range(int(arr.max()))}")
    if int(arr.min()) < 0:
        raise InvalidInput(f"{name} must be non-negative, got {int(arr.min())}")
    return arr.astype(np.int64)


def check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int | np.integer) or limit < 1:
        raise InvalidInput(f"limit must be a positive integer, got {limit!r}")
    return int(limit)
