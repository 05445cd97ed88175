"""Parquet vector files: an integer ``id`` column (or a ``uri`` column of AT-URIs) and a
``vector`` column of float lists.

``vector`` may be a list (every row the same length) or a fixed-size list; other columns
are ignored. Needs pyarrow, the optional extra ``segue[parquet]``.

Writing one with pyarrow::

    >>> import pyarrow as pa, pyarrow.parquet as pq  # doctest: +SKIP
    >>> vectors = pa.FixedSizeListArray.from_arrays(matrix.ravel(), 512)  # doctest: +SKIP
    >>> table = pa.table({"id": ids, "vector": vectors})  # doctest: +SKIP
    >>> pq.write_table(table, "vectors.parquet")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from segue.errors import InvalidInput
from segue.limits import TRACK_ID_MAX, track_id_out_of_range

from ._problems import Problems
from ._vector_checks import VectorFile, finish, uri_problem

__all__ = ["read_parquet_vectors"]


def _pyarrow() -> tuple[Any, Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError:
        raise InvalidInput(
            "reading Parquet needs pyarrow: install the extra, pip install 'segue[parquet]'"
        ) from None
    return pa, pc, pq


def read_parquet_vectors(path: Path) -> VectorFile:
    """Read and validate ``path``; :class:`ImportRejected` lists problems by row (0-based)."""
    pa, pc, pq = _pyarrow()
    problems = Problems(str(path))
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        raise InvalidInput(f"cannot read {path} as Parquet: {exc}") from None
    # Tracks named by AT-URI (a `uri` column) instead of integer ids: the catalog gives ids.
    key = "uri" if "uri" in schema.names and "id" not in schema.names else "id"
    missing = [name for name in (key, "vector") if name not in schema.names]
    if missing:
        raise InvalidInput(
            f"{path}: no column {', '.join(missing)} (it has {', '.join(schema.names)})"
        )
    id_type, vector_type = schema.field(key).type, schema.field("vector").type
    if key == "id" and not pa.types.is_integer(id_type):
        raise InvalidInput(f"{path}: the id column must hold integers, it holds {id_type}")
    if key == "uri" and not (pa.types.is_string(id_type) or pa.types.is_large_string(id_type)):
        raise InvalidInput(f"{path}: the uri column must hold strings, it holds {id_type}")
    is_list = pa.types.is_list(vector_type) or pa.types.is_large_list(vector_type)
    fixed = pa.types.is_fixed_size_list(vector_type)
    if not (is_list or fixed) or not pa.types.is_floating(vector_type.value_type):
        raise InvalidInput(
            f"{path}: the vector column must be a list of floats, it is {vector_type}"
        )
    try:
        table = pq.read_table(path, columns=[key, "vector"])
    except (OSError, pa.ArrowException) as exc:
        raise InvalidInput(f"cannot read {path} as Parquet: {exc}") from None
    n = table.num_rows
    places = [f"row {i}" for i in range(n)]
    id_col = table.column(key).combine_chunks()
    vec_col = table.column("vector").combine_chunks()

    for row in np.flatnonzero(id_col.is_null().to_numpy(zero_copy_only=False)):
        problems.add(places[row], f"{key}: missing")
    uris: list[str] | None = None
    if key == "uri":
        uris = [u or "" for u in id_col.to_pylist()]
        for place, uri in zip(places, uris, strict=True):
            problem = uri_problem(uri) if uri else None
            if problem is not None:
                problems.add(place, f"uri: {problem}")
        id_col = pa.array(np.zeros(n, np.int64))
    raw_ids = id_col.fill_null(0).to_numpy(zero_copy_only=False)
    if raw_ids.size and raw_ids.dtype.kind == "u":
        too_big = raw_ids > TRACK_ID_MAX
        for row in np.flatnonzero(too_big):
            problems.add(places[row], track_id_out_of_range(int(raw_ids[row])))
        raw_ids = np.where(too_big, 0, raw_ids)
    ids = raw_ids.astype(np.int64)
    for row in np.flatnonzero((ids < 0) | (ids > TRACK_ID_MAX)):
        problems.add(places[row], track_id_out_of_range(int(ids[row])))

    for row in np.flatnonzero(vec_col.is_null().to_numpy(zero_copy_only=False)):
        problems.add(places[row], "vector: missing")
    if fixed:
        dim = int(vector_type.list_size)
    else:
        lengths = pc.list_value_length(vec_col).fill_null(-1).to_numpy(zero_copy_only=False)
        present = lengths[lengths >= 0]
        dim = int(present[0]) if present.size else 0
        first = int(np.flatnonzero(lengths >= 0)[0]) if present.size else 0
        for row in np.flatnonzero((lengths >= 0) & (lengths != dim)):
            problems.add(
                places[row],
                f"vector: dimension {int(lengths[row])}, but {dim} on {places[first]} (the first)",
            )
    if dim == 0 and n:
        problems.add("", "the vectors have dimension 0")
    problems.raise_if_any()  # every slot is now present and the same length

    values = vec_col.flatten()
    if values.null_count:
        nulls = values.is_null().to_numpy(zero_copy_only=False).reshape(n, dim).any(axis=1)
        for row in np.flatnonzero(nulls):
            problems.add(places[row], "vector: contains null values")
        problems.raise_if_any()
    matrix = values.to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    return finish(ids, matrix.reshape(n, dim), places, problems, uris=uris)
