"""Reading vector files: NPY with an ids file, Parquet, or JSONL; all checked before use.

Places in a file are reported as ``line N`` (1-based) in text files (the ids file,
JSONL) and as ``row N`` (0-based, the array index) in NPY and Parquet.

    >>> vf = read_vectors(Path("vectors.parquet"))  # doctest: +SKIP
    >>> vf.ids.shape, vf.vectors.shape  # doctest: +SKIP
    ((100000,), (100000, 512))
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from segue._files import file_lines
from segue.engine import IdArray
from segue.errors import InvalidInput

from ._problems import Problems
from ._rows import file_format, jsonl_rows
from ._vector_checks import (
    VectorFile,
    check_vectors,
    finish,
    id_problem,
    uri_problem,
)

__all__ = [
    "VectorFile",
    "VectorFormat",
    "check_vectors",
    "read_npy_with_ids",
    "read_vectors",
    "vector_format",
]


class VectorFormat(StrEnum):
    NPY = "npy"
    PARQUET = "parquet"
    JSONL = "jsonl"


_SUFFIXES = {
    ".npy": VectorFormat.NPY,
    ".parquet": VectorFormat.PARQUET,
    ".pq": VectorFormat.PARQUET,
    ".jsonl": VectorFormat.JSONL,
    ".ndjson": VectorFormat.JSONL,
}


_INTEGER = re.compile(r"-?[0-9]+")
_AT = "at://"


def vector_format(path: Path, fmt: str | None = None) -> VectorFormat:
    """The format named by ``fmt``, else the one the file name's suffix says."""
    return file_format(path, fmt, VectorFormat, _SUFFIXES)


def read_vectors(path: Path, fmt: str | None = None, *, ids_path: Path | None = None) -> VectorFile:
    """Read and validate a vector file; :class:`ImportRejected` lists every problem found.

    NPY needs ``ids_path`` (one id per line, in row order); the other formats carry ids.
    """
    kind = vector_format(path, fmt)
    if kind is VectorFormat.NPY:
        if ids_path is None:
            raise InvalidInput(f"{path}: an .npy file needs --ids IDS.txt (one id per line)")
        return read_npy_with_ids(path, ids_path)
    if ids_path is not None:
        raise InvalidInput(f"--ids is for .npy files; {kind.value} files carry their own ids")
    if kind is VectorFormat.PARQUET:
        from ._parquet import read_parquet_vectors  # pyarrow is optional and slow to import

        return read_parquet_vectors(path)
    return read_jsonl_vectors(path)


# -- NPY + ids -------------------------------------------------------------------------------


def _read_ids(path: Path, problems: Problems) -> tuple[IdArray, list[str], list[str] | None]:
    """The ids file: one integer id per line, or one AT-URI per line (the first line says
    which); the URIs are ``None`` for a file of integer ids."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read ids file {path}: {exc}") from None
    lines = file_lines(text)
    while lines and not lines[-1].strip():
        lines.pop()
    ids = np.zeros(len(lines), np.int64)
    by_uri = bool(lines) and lines[0].strip().startswith(_AT)
    uris: list[str] = []
    places = []
    for i, line in enumerate(lines):
        places.append(f"{path.name} line {i + 1}")
        token = line.strip()
        if by_uri:
            uris.append(token)
            problem = uri_problem(token)
        else:
            value: Any = int(token) if _INTEGER.fullmatch(token) else token
            problem = id_problem(value)
            if problem is None:
                ids[i] = value
        if problem is not None:
            problems.add(places[-1], problem)
    return ids, places, uris if by_uri else None


def read_npy_with_ids(vectors_path: Path, ids_path: Path) -> VectorFile:
    """Read and validate an ``.npy`` matrix (one row per track) and its ids file.

    Everything is checked before anything is returned: shape, dtype, NaN and infinite
    values (by row), ids (by line, duplicates included), and that both have as many rows.
    """
    problems = Problems(f"{vectors_path} with {ids_path}")
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
    if raw.shape[1] == 0:
        raise InvalidInput(f"{vectors_path}: the vectors have dimension 0")
    ids, id_places, uris = _read_ids(ids_path, problems)
    if ids.size != raw.shape[0]:
        raise InvalidInput(
            f"{ids_path} has {ids.size} ids but {vectors_path} has {raw.shape[0]} rows"
        )
    problems.raise_if_any()
    # float32 before the finite check: a float64 value too large for float32 is refused.
    matrix = np.asarray(raw, dtype=np.float32)
    rows = [f"row {i}" for i in range(ids.size)]
    return finish(ids, matrix, id_places, problems, uris=uris, vector_places=rows)


# -- JSONL ------------------------------------------------------------------------------------


def read_jsonl_vectors(path: Path) -> VectorFile:
    """``{"id": 7, "vector": [0.1, ...]}`` per line, or ``{"uri": "at://...", "vector": ...}``
    (the first line says which; one or the other in a file); every vector the same length."""
    problems = Problems(str(path))
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    ids: list[int] = []
    uris: list[str] = []
    vectors: list[np.ndarray] = []
    places: list[str] = []
    dim: int | None = None
    dim_from = ""
    key: str | None = None  # "id" or "uri": what this file names its tracks by
    key_from = ""
    with handle:
        try:
            lines = list(handle)
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"cannot read {path}: {exc}") from None
    for row in jsonl_rows(lines, problems):
        where, record = row.where, row.fields
        named = key or ("uri" if "uri" in record and "id" not in record else "id")
        if key is None:
            key, key_from = named, where
        other = "uri" if named == "id" else "id"
        unknown = sorted(set(record) - {"id", "uri", "vector"})
        missing = [name for name in (named, "vector") if record.get(name) is None]
        if other in record:
            problems.add(where, f"{other}: the file names tracks by {named} ({key_from}), not both")
            continue
        if unknown or missing:
            parts = [f"missing {', '.join(missing)}"] if missing else []
            parts += [f"unknown field(s) {', '.join(map(repr, unknown))}"] if unknown else []
            problems.add(where, "; ".join(parts))
            continue
        problem = id_problem(record["id"]) if named == "id" else uri_problem(record["uri"])
        if problem is not None:
            problems.add(where, f"{named}: {problem}")
            continue
        vector = _json_vector(record["vector"])
        if isinstance(vector, str):
            problems.add(where, f"vector: {vector}")
            continue
        if dim is None:
            dim, dim_from = vector.size, where
        elif vector.size != dim:
            problems.add(
                where, f"vector: dimension {vector.size}, but {dim} on {dim_from} (the first)"
            )
            continue
        if named == "id":
            ids.append(record["id"])
        else:
            uris.append(record["uri"])
            ids.append(0)  # given by the catalog once the file is valid
        vectors.append(vector)
        places.append(where)
    if dim is None:
        problems.raise_if_any()
        return VectorFile(np.empty(0, np.int64), np.empty((0, 0), np.float32))
    matrix = np.vstack(vectors) if vectors else np.empty((0, dim), np.float32)
    return finish(
        np.asarray(ids, dtype=np.int64),
        matrix,
        places,
        problems,
        uris=uris if key == "uri" else None,
    )


def _json_vector(value: Any) -> np.ndarray | str:
    """The vector as float32, or why it is not one (NaN is left to the finite check)."""
    if not isinstance(value, list) or not value:
        return "expected a non-empty list of numbers"
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        return "expected a list of numbers"
    try:
        return np.asarray(value, dtype=np.float32)
    except OverflowError:  # an integer past what a float holds (JSON allows any)
        return "a value is out of range"
