from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from segue.engine import MAX_ID, FloatMatrix, IdArray, check_matrix
from segue.errors import InvalidInput

__all__ = ["VectorFile", "read_npy_with_ids"]


@dataclass(frozen=True, slots=True)
class VectorFile:
    ids: IdArray
    vectors: FloatMatrix


def _read_ids(path: Path) -> IdArray:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read ids file {path}: {exc}") from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    ids = np.empty(len(lines), np.int64)
    for i, line in enumerate(lines):
        token = line.strip()
        try:
            value = int(token)
        except ValueError:
            raise InvalidInput(f"{path}:{i + 1}: {token!r} is not an integer track id") from None
        if not 0 <= value <= MAX_ID:
            raise InvalidInput(f"{path}:{i + 1}: track id {value} is out of range 0..{MAX_ID}")
        ids[i] = value
    uniq, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        dup = int(uniq[counts > 1][0])
        lines_with = (np.flatnonzero(ids == dup) + 1).tolist()
        raise InvalidInput(f"{path}: track id {dup} appears more than once (lines {lines_with})")
    return ids


def read_npy_with_ids(vectors_path: Path, ids_path: Path) -> VectorFile:
    """Read and validate an ``.npy`` matrix (one row per track) and its ids file.

    Everything is checked before anything is returned: shape, dtype, NaN and infinite
    values (reported by row), ids (reported by line), and that both files have as many rows.
    """
    try:
        raw = np.load(vectors_path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read {vectors_path} as a .npy array: {exc}") from None
    if raw.ndim != 2:
        raise InvalidInput(
            f"{vectors_path}: expected a 2-D array (tracks, dim), got shape {raw.shape}"
        )
    if not np.issubdtype(raw.dtype, np.floating):
        raise InvalidInput(f"{vectors_path}: expected float32 values, got {raw.dtype}")
    ids = _read_ids(ids_path)
    if ids.size != raw.shape[0]:
        raise InvalidInput(
            f"{ids_path} has {ids.size} ids but {vectors_path} has {raw.shape[0]} rows"
        )
    vectors = check_matrix(raw, name=str(vectors_path))
    return VectorFile(ids, vectors)
