"""`segue.ingest` vectors: NPY, Parquet and JSONL round trips into the local index,
validation by row or line, the store's dimension, and all-or-nothing writes."""

from __future__ import annotations

import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segue.errors import DimensionMismatch, ImportRejected, InvalidInput
from segue.ingest import import_vectors, read_vectors
from segue.vectors import LocalVectorStore

from ..support import MovesCounted, unit_vectors

RANGE = "0..9007199254740991 (2**53 - 1, the largest integer a browser holds exactly)"
IDS = np.array([10, 3, 7, 2**53 - 1, 0], dtype=np.int64)  # the largest id there is


def write_npy(tmp_path, ids, vectors, name="v"):
    np.save(tmp_path / f"{name}.npy", vectors)
    (tmp_path / f"{name}.txt").write_text("".join(f"{i}\n" for i in ids))
    return tmp_path / f"{name}.npy", tmp_path / f"{name}.txt"


def write_parquet(tmp_path, ids, vectors, *, fixed=True, name="v", id_type=None):
    if fixed:
        column = pa.FixedSizeListArray.from_arrays(
            pa.array(np.asarray(vectors, np.float32).ravel()), len(vectors[0])
        )
    else:
        column = pa.array([None if v is None else list(v) for v in vectors], pa.list_(pa.float32()))
    path = tmp_path / f"{name}.parquet"
    id_column = pa.array(ids, id_type or pa.int64())
    pq.write_table(pa.table({"id": id_column, "vector": column}), path)
    return path


def write_vectors_jsonl(tmp_path, ids, vectors, name="v"):
    path = tmp_path / f"{name}.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": int(i), "vector": [float(x) for x in v]}) + "\n"
            for i, v in zip(ids, vectors, strict=True)
        )
    )
    return path


def write_any(tmp_path, fmt, ids, vectors, name="v"):
    if fmt == "npy":
        path, ids_path = write_npy(tmp_path, ids, vectors, name)
        return read_vectors(path, ids_path=ids_path)
    if fmt == "parquet-fixed":
        return read_vectors(write_parquet(tmp_path, ids, vectors, name=name))
    if fmt == "parquet-list":
        return read_vectors(write_parquet(tmp_path, ids, vectors, fixed=False, name=name))
    return read_vectors(write_vectors_jsonl(tmp_path, ids, vectors, name))


FORMATS = ["npy", "parquet-fixed", "parquet-list", "jsonl"]


@pytest.mark.parametrize("fmt", FORMATS)
async def test_round_trip(tmp_path, fmt):
    vectors = unit_vectors(IDS.size, d=6)
    data = write_any(tmp_path, fmt, IDS, vectors)
    assert data.ids.tolist() == IDS.tolist()
    store = LocalVectorStore(tmp_path / "index.usearch")
    generation = MovesCounted()
    result = await import_vectors(store, data, generation=generation)
    assert (result.vectors, result.dimension, result.total, result.changed) == (5, 6, 5, 5)
    assert generation.moves == 1
    got = await store.get_vectors(IDS)
    assert got.ids.tolist() == IDS.tolist()
    np.testing.assert_allclose(got.vectors, vectors, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_idempotent_and_replacing(tmp_path, fmt):
    store = LocalVectorStore(tmp_path / "index.usearch")
    first = unit_vectors(IDS.size, d=6, seed=1)
    data = write_any(tmp_path, fmt, IDS, first)
    generation = MovesCounted()
    assert (await import_vectors(store, data, generation=generation)).changed == IDS.size
    # The same file again changes nothing: the generation (and every cached ranking) stays.
    again = await import_vectors(store, data, generation=generation)
    assert (again.vectors, again.changed, generation.moves) == (IDS.size, 0, 1)
    assert await store.count() == IDS.size
    np.testing.assert_allclose((await store.get_vectors(IDS)).vectors, first, atol=1e-6)
    # A second file replaces the vectors of the ids it has and adds the new ones.
    second = unit_vectors(2, d=6, seed=2)
    # One row as it is, one changed, one new: two changed, and the generation moves once.
    rows = np.vstack([second[0], first[2], second[1]])  # ids 3 and 99 changed, 7 as it is
    replacing = await import_vectors(
        store, write_any(tmp_path, fmt, [3, 7, 99], rows, name="w"), generation=generation
    )
    assert (replacing.vectors, replacing.changed, generation.moves) == (3, 2, 2)
    assert await store.count() == IDS.size + 1
    got = await store.get_vectors([3, 99, 10])
    np.testing.assert_allclose(got.vectors[:2], second, atol=1e-6)
    np.testing.assert_allclose(got.vectors[2], first[0], atol=1e-6)


def test_parquet_ignores_other_columns_and_takes_unsigned_ids(tmp_path):
    path = tmp_path / "v.parquet"
    vectors = unit_vectors(2, d=6)
    column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), 6)
    table = pa.table({"title": ["a", "b"], "vector": column, "id": pa.array([5, 6], pa.uint64())})
    pq.write_table(table, path, row_group_size=1)  # several chunks
    data = read_vectors(path)
    assert data.ids.tolist() == [5, 6]
    np.testing.assert_allclose(data.vectors, vectors)


def test_format_override(tmp_path):
    path = write_vectors_jsonl(tmp_path, [1], unit_vectors(1, d=6))
    renamed = path.rename(tmp_path / "vectors.data")
    with pytest.raises(InvalidInput, match="pass --format"):
        read_vectors(renamed)
    assert read_vectors(renamed, "jsonl").ids.tolist() == [1]
    with pytest.raises(InvalidInput, match="unknown format 'hdf5'"):
        read_vectors(renamed, "hdf5")


def problems_of(call):
    with pytest.raises(ImportRejected) as err:
        call()
    assert "nothing was written" in err.value.detail
    return err.value.problems


def test_npy_problems_by_line_and_row(tmp_path):
    vectors = unit_vectors(4, d=6)
    vectors[1, 2] = np.nan
    vectors[3, 0] = np.inf
    np.save(tmp_path / "v.npy", vectors)
    (tmp_path / "ids.txt").write_text("1\n1\nx\n-4\n")
    assert problems_of(lambda: read_vectors(tmp_path / "v.npy", ids_path=tmp_path / "ids.txt")) == (
        "ids.txt line 3: expected an integer id, got 'x'",
        f"ids.txt line 4: id -4 is out of range {RANGE}",
    )
    (tmp_path / "ids.txt").write_text("1\n2\n1\n4\n")
    assert problems_of(lambda: read_vectors(tmp_path / "v.npy", ids_path=tmp_path / "ids.txt")) == (
        "ids.txt line 1: duplicate id 1 (again on ids.txt line 3)",
        "row 1: the vector contains NaN or infinite values",
        "row 3: the vector contains NaN or infinite values",
    )


def test_each_duplicated_id_names_its_first_line_and_up_to_five_others(tmp_path):
    # 5 on lines 1, 3, 4, 6, 8, 9, 10 (the seventh is left out); 3 on lines 2 and 7.
    ids = [5, 3, 5, 5, 9, 5, 3, 5, 5, 5, 1]
    npy, txt = write_npy(tmp_path, ids, unit_vectors(len(ids), d=2))
    assert problems_of(lambda: read_vectors(npy, ids_path=txt)) == (
        "v.txt line 1: duplicate id 5 (again on v.txt line 3, v.txt line 4, v.txt line 6,"
        " v.txt line 8, v.txt line 9)",
        "v.txt line 2: duplicate id 3 (again on v.txt line 7)",
    )


def test_an_ids_file_of_all_repeated_ids_gives_the_capped_list(tmp_path):
    # Every id twice (the wrong column exported), shuffled: 200,000 duplicated ids. Once the
    # collector is full the rest are only counted; the kept ones are the lowest ids.
    n = 200_000
    ids = np.random.default_rng(4).permutation(np.repeat(np.arange(n), 2))
    npy, txt = write_npy(tmp_path, ids, np.ones((2 * n, 1), np.float32))
    with pytest.raises(ImportRejected) as err:
        read_vectors(npy, ids_path=txt)
    lines: dict[int, list[int]] = {}
    for line, value in enumerate(ids.tolist(), start=1):
        lines.setdefault(value, []).append(line)
    kept = sorted(lines[value] for value in range(1000))
    assert err.value.problems == tuple(
        f"v.txt line {first}: duplicate id {ids[first - 1]} (again on v.txt line {again})"
        for first, again in kept
    )
    assert f"{txt.name}: 200,000 problems, nothing was written" in err.value.detail
    assert err.value.detail.endswith("\n  ... and 199,980 more")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ['{"id": 1, "vector": [1, 0]}', '{"id": 1, "vector": [0, 1]}'],
            ["line 1: duplicate id 1 (again on line 2)"],
        ),
        (
            ['{"id": 1, "vector": [1, 0]}', '{"id": 2, "vector": [1, 0, 0]}'],
            ["line 2: vector: dimension 3, but 2 on line 1 (the first)"],
        ),
        (['{"id": 1, "vector": [1, NaN]}'], ["line 1: the vector contains NaN or infinite"]),
        (['{"id": 1, "vector": [1, 1e999]}'], ["line 1: the vector contains NaN or infinite"]),
        (['{"id": "1", "vector": [1]}'], ["line 1: id: expected an integer id, got '1'"]),
        (['{"id": 1.0, "vector": [1]}'], ["line 1: id: expected an integer id, got 1.0"]),
        (['{"id": 1, "vector": []}'], ["line 1: vector: expected a non-empty list of numbers"]),
        (['{"id": 1, "vector": [1, "2"]}'], ["line 1: vector: expected a list of numbers"]),
        (['{"id": 1, "vector": [1' + "0" * 400 + ", 1]}"], ["line 1: vector: a value is out"]),
        (['{"id": 1}'], ["line 1: missing vector"]),
        (['{"id": 1, "vector": [1], "x": 2}'], ["line 1: unknown field(s) 'x'"]),
        (["", "nope"], ["line 2: not valid JSON"]),
        (["[1]"], ["line 1: expected a JSON object, got list"]),
    ],
)
def test_jsonl_problems(tmp_path, lines, expected):
    path = tmp_path / "v.jsonl"
    path.write_text("\n".join(lines) + "\n")
    problems = problems_of(lambda: read_vectors(path))
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), problem


def test_parquet_problems_by_row(tmp_path):
    vectors = [[1.0, 0.0], None, [0.0, 1.0, 0.0], [np.nan, 1.0], [0.5, 0.5], [1.0, 1.0]]
    ids = pa.array([1, 2, 3, 4, None, 1], pa.int64())
    path = write_parquet(tmp_path, ids, vectors, fixed=False)
    assert problems_of(lambda: read_vectors(path)) == (
        "row 1: vector: missing",
        "row 2: vector: dimension 3, but 2 on row 0 (the first)",
        "row 4: id: missing",
    )
    path = write_parquet(tmp_path, [1, 2, 1, 3], [[1.0, 0.0], [np.nan, 1.0], [0, 1], [1, 1]])
    assert problems_of(lambda: read_vectors(path)) == (
        "row 0: duplicate id 1 (again on row 2)",
        "row 1: the vector contains NaN or infinite values",
    )
    path = write_parquet(tmp_path, [2**63, 5], [[1.0], [1.0]], id_type=pa.uint64(), name="u")
    assert problems_of(lambda: read_vectors(path)) == (
        f"row 0: id 9223372036854775808 is out of range {RANGE}",
    )
    # past the browser's limit, though a signed 64-bit integer holds it
    path = write_parquet(tmp_path, [5, 2**53], [[1.0], [1.0]], name="big")
    assert problems_of(lambda: read_vectors(path)) == (
        f"row 1: id 9007199254740992 is out of range {RANGE}",
    )
    path = write_parquet(tmp_path, [-5, 1], [[1.0], [1.0]], name="neg")
    assert problems_of(lambda: read_vectors(path)) == (f"row 0: id -5 is out of range {RANGE}",)


def test_parquet_null_inside_a_vector(tmp_path):
    column = pa.array([[1.0, None], [1.0, 2.0]], pa.list_(pa.float32()))
    pq.write_table(pa.table({"id": [1, 2], "vector": column}), tmp_path / "v.parquet")
    assert problems_of(lambda: read_vectors(tmp_path / "v.parquet")) == (
        "row 0: vector: contains null values",
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pa.table({"id": [1], "embedding": [[1.0]]}), "no column vector (it has id, embedding)"),
        (pa.table({"id": ["1"], "vector": [[1.0]]}), "the id column must hold integers"),
        (pa.table({"id": [1], "vector": [[1]]}), "the vector column must be a list of floats"),
        (pa.table({"id": [1], "vector": [1.0]}), "the vector column must be a list of floats"),
    ],
)
def test_parquet_schema_problems(tmp_path, table, message):
    pq.write_table(table, tmp_path / "v.parquet")
    with pytest.raises(InvalidInput, match=re.escape(message)):
        read_vectors(tmp_path / "v.parquet")


def test_not_parquet_and_misused_ids(tmp_path):
    (tmp_path / "v.parquet").write_bytes(b"not parquet")
    with pytest.raises(InvalidInput, match=r"cannot read .* as Parquet"):
        read_vectors(tmp_path / "v.parquet")
    (tmp_path / "ids.txt").write_text("1\n")
    with pytest.raises(InvalidInput, match=r"--ids is for \.npy files"):
        read_vectors(tmp_path / "v.parquet", ids_path=tmp_path / "ids.txt")
    np.save(tmp_path / "v.npy", unit_vectors(1, d=6))
    with pytest.raises(InvalidInput, match="needs --ids"):
        read_vectors(tmp_path / "v.npy")


@pytest.mark.parametrize("fmt", FORMATS)
async def test_wrong_dimension_leaves_the_index_as_it_was(tmp_path, fmt):
    store = LocalVectorStore(tmp_path / "index.usearch")
    generation = MovesCounted()
    await import_vectors(
        store, write_any(tmp_path, fmt, IDS, unit_vectors(IDS.size, d=6)), generation=generation
    )
    before = (tmp_path / "index.usearch").read_bytes()
    data = write_any(tmp_path, fmt, [1, 2], unit_vectors(2, d=4), name="w")
    with pytest.raises(DimensionMismatch, match="dimension 4, but the store holds vectors of dim"):
        await import_vectors(store, data, generation=generation, source="w")
    assert (tmp_path / "index.usearch").read_bytes() == before
    assert generation.moves == 1  # refused before writing: the generation stays


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_rejected_file_is_never_half_read(tmp_path, fmt):
    vectors = unit_vectors(3, d=6)
    vectors[2, 0] = np.nan
    with pytest.raises(ImportRejected):
        write_any(tmp_path, fmt, [1, 2, 3], vectors)


def test_every_row_of_nan_counts_past_the_kept_list(tmp_path):
    # 1,500 rows of NaN: a thousand named, and the total says all of them.
    n = 1500
    npy, txt = write_npy(tmp_path, np.arange(n), np.full((n, 2), np.nan, np.float32))
    with pytest.raises(ImportRejected) as err:
        read_vectors(npy, ids_path=txt)
    assert len(err.value.problems) == 1000
    assert f"{txt.name}: 1,500 problems, nothing was written" in err.value.detail
