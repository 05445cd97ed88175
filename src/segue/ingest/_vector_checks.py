"""The checks every vector file gets, whatever its format, and what they produce.

Shared by the readers of :mod:`._vectors_file` and :mod:`._parquet` (which imports
pyarrow, so it is loaded only for Parquet files):

    >>> check_vectors([1, 2], np.eye(2)).vectors.shape
    (2, 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from segue.catalog import check_record_uri
from segue.engine import FloatMatrix, IdArray, check_ids
from segue.errors import InvalidInput
from segue.limits import TRACK_ID_MAX, track_id_out_of_range

from ._problems import Problems

__all__ = [
    "VectorFile",
    "check_finite",
    "check_unique",
    "check_unique_uris",
    "check_vectors",
    "finish",
    "id_problem",
    "uri_problem",
]


@dataclass(frozen=True, slots=True)
class VectorFile:
    """Validated ids (unique, in range) and their float32 vectors (finite), row for row.

    A file that names its tracks by AT-URI has ``uris`` (unique, row for row) and no ids
    yet: the catalog gives them (``segue.ingest.resolve_uris``) before anything is written.
    """

    ids: IdArray
    vectors: FloatMatrix
    uris: tuple[str, ...] | None = None


def check_unique(ids: IdArray, places: list[str], problems: Problems) -> None:
    """Report every id that appears more than once, with where it appears.

    One stable sort groups the rows of each id in file order; only the duplicated ids the
    collector keeps get a message (a file of all-repeated ids has as many as half its rows).
    """
    if ids.size < 2:
        return
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    sizes = np.diff(np.append(starts, ordered.size))
    repeated = sizes > 1
    group_starts, group_sizes = starts[repeated], sizes[repeated]
    kept = min(group_starts.size, problems.room)
    # In increasing id order (the order this check has always reported in), so a capped
    # list keeps the lowest duplicated ids; each with its first row and up to 5 others.
    for start, size in zip(group_starts[:kept].tolist(), group_sizes[:kept].tolist(), strict=True):
        at, *others = order[start : start + min(size, 6)].tolist()
        again = ", ".join(places[i] for i in others)
        problems.add(places[at], f"duplicate id {int(ordered[start])} (again on {again})")
    problems.add_uncollected(group_starts.size - kept)


def check_finite(matrix: np.ndarray, places: list[str], problems: Problems) -> None:
    bad = np.flatnonzero(~np.isfinite(matrix).all(axis=1))
    # Messages for as many as are kept; the rest counted, so "and N more" is the whole count.
    kept = bad[: problems.room]
    for row in kept:
        problems.add(places[int(row)], "the vector contains NaN or infinite values")
    problems.add_uncollected(bad.size - kept.size)


def check_unique_uris(uris: list[str], places: list[str], problems: Problems) -> None:
    """Report every URI that appears more than once, with where it appears."""
    seen: dict[str, list[int]] = {}
    for row, uri in enumerate(uris):
        seen.setdefault(uri, []).append(row)
    for uri, rows in seen.items():
        if len(rows) > 1:
            again = ", ".join(places[i] for i in rows[1:6])
            problems.add(places[rows[0]], f"duplicate uri {uri} (again on {again})")


def finish(
    ids: IdArray,
    matrix: np.ndarray,
    places: list[str],
    problems: Problems,
    *,
    uris: list[str] | None = None,
    vector_places: list[str] | None = None,
) -> VectorFile:
    """The checks every reader ends with: ids (or URIs) unique, vectors finite; ``places``
    name each row's id, ``vector_places`` its vector where they live apart (``.npy``)."""
    if uris is None:
        check_unique(ids, places, problems)
    else:
        check_unique_uris(uris, places, problems)
    check_finite(matrix, places if vector_places is None else vector_places, problems)
    problems.raise_if_any()
    return VectorFile(
        ids, np.ascontiguousarray(matrix, dtype=np.float32), None if uris is None else tuple(uris)
    )


def check_vectors(ids: Any, vectors: Any, *, source: str = "vectors") -> VectorFile:
    """The checks a vector file gets, for ids and vectors made in memory (rows 0-based).

    >>> check_vectors([1, 2], np.eye(2)).vectors.dtype
    dtype('float32')
    """
    problems = Problems(source)
    id_array = check_ids(ids)
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != id_array.size or matrix.shape[1] == 0:
        raise InvalidInput(
            f"{source}: expected {id_array.size} vectors of one dimension, got shape {matrix.shape}"
        )
    return finish(id_array, matrix, [f"row {i}" for i in range(id_array.size)], problems)


def uri_problem(value: Any) -> str | None:
    """Why ``value`` is not a record AT-URI, or ``None`` if it is one."""
    try:
        check_record_uri(value)
    except InvalidInput as exc:
        return exc.detail
    return None


def id_problem(value: Any) -> str | None:
    """Why ``value`` is not a track id, or ``None`` if it is one."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"expected an integer id, got {value!r}"[:120]
    if not 0 <= value <= TRACK_ID_MAX:
        return track_id_out_of_range(value)
    return None
