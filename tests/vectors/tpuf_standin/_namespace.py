"""One namespace's documents, and writes to it (docs/write), validated before applied."""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ._errors import not_implemented, reject

__all__ = ["MAX_ID", "Namespace", "apply_write", "check_id"]

MAX_ID = 2**64 - 1  # "Document IDs are unsigned 64-bit integers, 128-bit UUIDs, or strings"
_METRICS = {"cosine_distance", "euclidean_squared"}
_WRITE_KEYS = {
    "upsert_rows",
    "upsert_columns",
    "deletes",
    "distance_metric",
    "disable_backpressure",
}
_WRITE_NOT_MODELLED = {
    "patch_rows",
    "patch_columns",
    "patch_by_filter",
    "patch_by_filter_allow_partial",
    "patch_condition",
    "delete_by_filter",
    "delete_by_filter_allow_partial",
    "delete_condition",
    "upsert_condition",
    "copy_from_namespace",
    "branch_from_namespace",
    "create_namespace",
    "schema",
    "encryption",
    "sharding",
    "return_affected_ids",
}


@dataclass
class Namespace:
    dim: int | None = None
    metric: str | None = None
    docs: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> attributes
    vectors: dict[int, np.ndarray] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # attribute -> schema type
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    updated_at: str = ""
    _matrix: tuple[np.ndarray, np.ndarray] | None = None

    def matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """All ids (ascending) and their vectors as one float64 matrix, cached until a write."""
        if self._matrix is None:
            ids = np.array(sorted(self.vectors), dtype=np.uint64)
            rows = [self.vectors[int(i)] for i in ids]
            mat = np.stack(rows).astype(np.float64) if rows else np.empty((0, self.dim or 0))
            self._matrix = (ids, mat)
        return self._matrix

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": {"type": "uint"}}
        if self.dim is not None:
            out["vector"] = {"type": f"[{self.dim}]f32", "ann": {"distance_metric": self.metric}}
        out.update({name: {"type": kind} for name, kind in self.types.items()})
        return out


def check_id(value: Any) -> int:
    if isinstance(value, str):
        raise not_implemented("string and UUID ids")
    if isinstance(value, bool) or not isinstance(value, int):
        raise reject(f"invalid document id {value!r}")
    if not 0 <= value <= MAX_ID:
        raise reject(f"document id {value} is not an unsigned 64-bit integer")
    return value


def _vector(value: Any) -> np.ndarray:
    if isinstance(value, str):  # base64 of little-endian f32, as the client can send
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError as exc:
            raise reject("vector is not valid base64") from exc
        if len(raw) % 4:
            raise reject("base64 vector length is not a multiple of 4 bytes")
        return np.frombuffer(raw, dtype="<f4").astype(np.float32)
    if not isinstance(value, list) or not value:
        raise reject("vector must be a non-empty array of numbers")
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        raise reject("vector must contain only numbers")
    if not all(math.isfinite(x) for x in value):
        raise reject("vector contains NaN or infinity")
    return np.asarray(value, dtype=np.float32)


def _attr_type(value: Any) -> str | None:
    if value is None:
        return None
    scalar = {bool: "bool", int: "int", float: "float", str: "string"}
    if isinstance(value, list):
        inner = {_attr_type(v) for v in value} - {None}
        if len(inner) > 1 or any(t and t.startswith("[]") for t in inner):
            raise reject("array attributes must hold values of one scalar type")
        return f"[]{inner.pop()}" if inner else None
    kind = scalar.get(type(value))
    if kind is None:
        raise reject(f"unsupported attribute value {value!r}")
    return kind


def _rows_from_columns(columns: Any) -> list[dict[str, Any]]:
    if not isinstance(columns, dict) or "id" not in columns:
        raise reject("upsert_columns must be an object with an id column")
    n = len(columns["id"]) if isinstance(columns["id"], list) else -1
    if n < 0 or any(not isinstance(c, list) or len(c) != n for c in columns.values()):
        raise reject("every column of upsert_columns must be an array of the same length")
    return [{name: col[i] for name, col in columns.items()} for i in range(n)]


def apply_write(ns: Namespace | None, body: dict[str, Any]) -> tuple[Namespace, dict[str, Any]]:
    """Validate a whole write, then apply it (writes are atomic); returns the namespace."""
    for key in body:
        if key in _WRITE_NOT_MODELLED:
            raise not_implemented(f"the write parameter {key!r}")
        if key not in _WRITE_KEYS:
            raise reject(f"unknown write parameter {key!r}")
    rows: list[dict[str, Any]] = []
    if "upsert_rows" in body:
        if not isinstance(body["upsert_rows"], list):
            raise reject("upsert_rows must be an array of objects")
        rows.extend(body["upsert_rows"])
    if "upsert_columns" in body:
        rows.extend(_rows_from_columns(body["upsert_columns"]))
    if not isinstance(body.get("disable_backpressure", False), bool):
        raise reject("disable_backpressure must be a boolean")
    deletes = body.get("deletes", [])
    if not isinstance(deletes, list):
        raise reject("deletes must be an array of document ids")
    delete_ids = [check_id(d) for d in deletes]
    if not rows and not delete_ids:
        raise reject("a write must upsert or delete at least one document")
    if ns is None and not rows:
        raise reject("namespace was not found", status=404)
    metric = body.get("distance_metric")
    if metric is not None and metric not in _METRICS:
        raise reject(f"unknown distance_metric {metric!r}")
    current = ns or Namespace()
    if metric is not None and current.metric is not None and metric != current.metric:
        raise reject(f"distance_metric {metric} differs from the namespace's {current.metric}")
    if rows and current.metric is None and metric is None:
        raise reject("distance_metric is required on the first write of vectors")
    dim, types = current.dim, dict(current.types)
    staged: list[tuple[int, np.ndarray, dict[str, Any]]] = []
    for row in rows:
        if not isinstance(row, dict) or "id" not in row:
            raise reject("every upserted row must be an object with an id")
        if "vector" not in row:
            raise reject("every document of a namespace with vectors must include a vector")
        vec = _vector(row["vector"])
        dim = dim if dim is not None else vec.size
        if vec.size != dim:
            raise reject(f"vector has {vec.size} dimensions, the namespace has {dim}")
        attrs = {k: v for k, v in row.items() if k not in {"id", "vector"}}
        for name, value in attrs.items():
            if name.startswith("$") or len(name.encode()) > 128:
                raise reject(f"invalid attribute name {name!r}")
            kind = _attr_type(value)
            if kind is not None and types.setdefault(name, kind) != kind:
                raise reject(f"attribute {name!r} has type {types[name]}, got {kind}")
        staged.append((check_id(row["id"]), vec, attrs))
    current.dim, current.types = dim, types
    current.metric = current.metric or metric
    for doc_id, vec, attrs in staged:
        current.vectors[doc_id] = vec
        current.docs[doc_id] = {"id": doc_id, **attrs}
    deleted = 0
    for doc_id in delete_ids:
        deleted += current.docs.pop(doc_id, None) is not None
        current.vectors.pop(doc_id, None)
    current.updated_at = datetime.now(UTC).isoformat()
    current._matrix = None
    return current, {
        "status": "OK",
        "message": "write applied",
        "rows_affected": len(staged) + deleted,
        "rows_upserted": len(staged),
        "rows_deleted": deleted,
        "billing": {"billable_logical_bytes_written": 0},
    }
