"""What every backend checks before a write: unique ids, finite vectors, attribute columns."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from segue.engine import FloatMatrix, IdArray, check_ids, check_matrix
from segue.errors import InvalidInput

__all__ = ["AttributeColumns", "Upsert", "check_attributes", "check_upsert"]

#: attribute name -> one JSON value per row
AttributeColumns = dict[str, list[Any]]

# turbopuffer's documented limits, applied to every backend so the contract is the same.
_MAX_NAME_BYTES = 128
_RESERVED = frozenset({"id", "vector"})


def _scalar(value: Any, name: str) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"attribute {name!r} has a NaN or infinite value")
        return value
    raise InvalidInput(f"attribute {name!r} values must be strings, numbers, booleans or null")


def _value(value: Any, name: str) -> Any:
    if isinstance(value, list | tuple | np.ndarray):
        return [_scalar(v, name) for v in value]
    return _scalar(value, name)


def check_attributes(
    attributes: Mapping[str, Sequence[Any]] | None, n_rows: int
) -> AttributeColumns:
    """Per-row attributes (e.g. ``artist``, ``visibility``) as plain JSON columns.

    Each column has one value per row; values are strings, numbers, booleans, null, or
    lists of those. Names ``id``, ``vector`` and ``$...`` are the store's own.

        >>> check_attributes({"visibility": ["public", "private"]}, 2)
        {'visibility': ['public', 'private']}
    """
    if not attributes:
        return {}
    out: AttributeColumns = {}
    for name, column in attributes.items():
        if not isinstance(name, str) or not name or len(name.encode()) > _MAX_NAME_BYTES:
            raise InvalidInput(f"attribute names must be 1 to {_MAX_NAME_BYTES} bytes of text")
        if name in _RESERVED or name.startswith("$"):
            raise InvalidInput(f"attribute name {name!r} is reserved")
        if isinstance(column, str | bytes) or len(column) != n_rows:
            raise InvalidInput(f"attribute {name!r} needs one value per id ({n_rows})")
        out[name] = [_value(v, name) for v in column]
    return out


@dataclass(frozen=True, slots=True)
class Upsert:
    """A validated upsert: unique ids, a finite float32 matrix, per-row attribute columns."""

    ids: IdArray
    vectors: FloatMatrix
    attributes: AttributeColumns


def check_upsert(
    ids: Sequence[int] | IdArray,
    vectors: FloatMatrix,
    attributes: Mapping[str, Sequence[Any]] | None,
) -> Upsert:
    """Everything every backend checks before writing anything."""
    keys = check_ids(ids)
    matrix = check_matrix(vectors)
    if keys.size != matrix.shape[0]:
        raise InvalidInput(f"{keys.size} ids for {matrix.shape[0]} vectors")
    if np.unique(keys).size != keys.size:
        raise InvalidInput("ids must be unique within one upsert")
    return Upsert(keys, matrix, check_attributes(attributes, keys.size))
