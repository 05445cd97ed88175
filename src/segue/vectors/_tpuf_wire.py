"""turbopuffer's documented limits, and the translation between its JSON and numpy arrays."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar, cast

import numpy as np

from segue.engine import FloatMatrix, IdArray, Neighbors
from segue.errors import InvalidInput, VectorStoreUnavailable

from ._attributes import AttributeColumns
from ._protocol import FetchedVectors

__all__ = [
    "BODY_OVERHEAD",
    "MAX_MULTI_QUERIES",
    "MAX_REQUEST_BYTES",
    "MAX_TOP_K",
    "chunked",
    "fetched_from_rows",
    "id_batches",
    "neighbors_from_rows",
    "upsert_batches",
    "vector_dim",
    "vector_wire_bytes",
]

# From turbopuffer's documentation (docs/query, docs/limits, docs/write):
#: the most documents one query may return ("top_k ... Maximum: 1200, adjustable upon
#: request"); a larger quota is passed to the store's constructor.
MAX_TOP_K = 1200
#: "Max queries in a multi-query request: 16".
MAX_MULTI_QUERIES = 16
#: "Each write request can have a maximum payload size of 256 MB" (the limits page now
#: says 512 MB; the smaller figure holds for every deployment).
MAX_REQUEST_BYTES = 256 * 2**20

#: room for the rest of a write body around its rows or ids
BODY_OVERHEAD = 1024
# {"id":18446744073709551615,"vector":""} and separators
_ROW_OVERHEAD = 48
_ID_BYTES = 21

_VECTOR_TYPE = re.compile(r"^\[(\d+)\]f(?:16|32)$")


_Seq = TypeVar("_Seq", bound="Sequence[Any] | np.ndarray[Any, Any]")


def chunked(seq: _Seq, size: int) -> Iterator[_Seq]:
    """Consecutive slices of ``seq``, ``size`` items each (the last may be shorter)."""
    for start in range(0, len(seq), size):
        yield cast(_Seq, seq[start : start + size])


def _attribute_bytes(attributes: AttributeColumns, row: int) -> int:
    return sum(
        len(name) + 4 + len(json.dumps(column[row], ensure_ascii=False).encode())
        for name, column in attributes.items()
    )


def vector_wire_bytes(dim: int) -> int:
    """Bytes of one vector in a write body: the client sends a list of floats as base64
    of little-endian f32 (``turbopuffer.lib.vector.b64encode_vector``), in quotes."""
    return 4 * math.ceil(4 * dim / 3) + 2


def upsert_batches(
    keys: IdArray,
    vectors: FloatMatrix,
    attributes: AttributeColumns,
    *,
    max_bytes: int,
    encoded: bool = True,
) -> Iterator[list[dict[str, Any]]]:
    """``upsert_rows`` payloads, each estimated (from above) to fit in ``max_bytes`` as
    the client sends them (vectors base64-encoded: about 2.8 kB a 512-d row, not the
    13 kB of JSON numbers).

    Rows are built one batch at a time, so memory stays bounded by the batch. With
    ``encoded``, each vector is already the base64 string the client would send (numpy
    encodes a whole batch at once; the client packs a Python list float by float), the
    same bytes on the wire; without it, a list of floats for the client to encode.
    """
    vector_bytes = _ROW_OVERHEAD + vector_wire_bytes(vectors.shape[1])
    budget = max_bytes - BODY_OVERHEAD
    little = vectors.astype("<f4", copy=False)  # turbopuffer's base64 is little-endian f32
    batch: list[dict[str, Any]] = []
    used = 0
    for i in range(keys.size):
        size = vector_bytes + _attribute_bytes(attributes, i)
        if size > budget:
            raise InvalidInput(f"track {int(keys[i])} alone is larger than one write may be")
        if batch and used + size > budget:
            yield batch
            batch, used = [], 0
        vector: Any = (
            base64.b64encode(little[i].tobytes()).decode("ascii")
            if encoded
            else vectors[i].tolist()
        )
        row: dict[str, Any] = {"id": int(keys[i]), "vector": vector}
        for name, column in attributes.items():
            row[name] = column[i]
        batch.append(row)
        used += size
    if batch:
        yield batch


def id_batches(keys: IdArray, *, max_bytes: int) -> Iterator[list[int]]:
    """``deletes`` payloads that fit in ``max_bytes``."""
    per_batch = max(1, (max_bytes - BODY_OVERHEAD) // _ID_BYTES)
    for chunk in chunked(keys, per_batch):
        yield [int(k) for k in chunk]


def vector_dim(schema: Mapping[str, Any]) -> int | None:
    """The dimension of the ``vector`` attribute in a namespace schema, e.g. ``[512]f32``."""
    entry = schema.get("vector")
    kind = entry.get("type") if isinstance(entry, Mapping) else getattr(entry, "type", None)
    match = _VECTOR_TYPE.match(kind) if isinstance(kind, str) else None
    return int(match.group(1)) if match else None


def _row_id(row: Any) -> int:
    rid = row.id
    if not isinstance(rid, int):
        raise VectorStoreUnavailable(f"turbopuffer returned a non-integer id {rid!r}")
    return rid


def fetched_from_rows(rows: Sequence[Any]) -> FetchedVectors:
    """Rows with ``id`` and ``vector`` (float encoding) as arrays."""
    if not rows:
        return FetchedVectors.empty()
    ids = np.fromiter((_row_id(r) for r in rows), dtype=np.int64, count=len(rows))
    vectors = np.asarray([r.vector for r in rows], dtype=np.float32)
    if vectors.ndim != 2:
        raise VectorStoreUnavailable("turbopuffer returned vectors of different lengths")
    return FetchedVectors(ids, vectors)


def _vector(value: Any, dim: int) -> FloatMatrix:
    """One row's ``vector``: base64 little-endian f32, or a list of numbers."""
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise VectorStoreUnavailable(f"turbopuffer returned a malformed vector: {exc}") from exc
        vec = np.frombuffer(raw, dtype="<f4") if len(raw) % 4 == 0 else np.empty(0, np.float32)
    else:
        vec = np.asarray(value, dtype=np.float32)
    if vec.shape != (dim,):
        raise VectorStoreUnavailable(
            f"turbopuffer returned a vector of shape {vec.shape}, expected ({dim},)"
        )
    out: FloatMatrix = vec.astype(np.float32)
    return out


def neighbors_from_rows(rows: Sequence[Any] | None, dim: int | None = None) -> Neighbors:
    """ANN rows, nearest first, with their ``$dist`` (cosine distance); with ``dim``,
    their ``vector`` attribute too (base64 or numbers, ``dim`` of them)."""
    if not rows:
        return Neighbors.empty(dim)
    ids = np.fromiter((_row_id(r) for r in rows), dtype=np.int64, count=len(rows))
    dists = np.fromiter((float(r["$dist"]) for r in rows), dtype=np.float32, count=len(rows))
    if dim is None:
        return Neighbors(ids, dists)
    vectors = np.stack([_vector(getattr(r, "vector", None), dim) for r in rows])
    return Neighbors(ids, dists, vectors)
