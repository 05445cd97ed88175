"""`segue import vectors` with AT-URIs in place of ids: JSONL, Parquet and NPY with an ids
file; the catalog gives each URI its id, and a followed record's track gets the same."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from segue.catalog import CatalogIndexGeneration, Database, hashed_track_id, hydrate
from segue.cli import app
from segue.errors import ImportRejected
from segue.follow import TrackRecord, apply_follow
from segue.ingest import import_vectors, read_vectors, resolve_uris
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from ..support import unit_vectors

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
URIS = [f"at://{DID}/fm.plyr.track/3lbtrack{i:05d}" for i in range(4)]
CID = "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"


def write(
    tmp_path: Path, fmt: str, uris: list[str], vectors: np.ndarray
) -> tuple[Path, Path | None]:
    if fmt == "jsonl":
        path = tmp_path / "v.jsonl"
        path.write_text(
            "".join(
                json.dumps({"uri": u, "vector": v.tolist()}) + "\n"
                for u, v in zip(uris, vectors, strict=True)
            )
        )
        return path, None
    if fmt == "parquet":
        path = tmp_path / "v.parquet"
        column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), vectors.shape[1])
        pq.write_table(pa.table({"uri": pa.array(uris), "vector": column}), path)
        return path, None
    path, ids = tmp_path / "v.npy", tmp_path / "ids.txt"
    np.save(path, vectors)
    ids.write_text("".join(f"{u}\n" for u in uris))
    return path, ids


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "npy"])
async def test_vectors_by_uri(
    database: Database, settings: Settings, tmp_path: Path, fmt: str
) -> None:
    vectors = unit_vectors(len(URIS), d=6, seed=1)
    path, ids_path = write(tmp_path, fmt, URIS, vectors)
    data = read_vectors(path, ids_path=ids_path)
    assert data.uris == tuple(URIS)
    resolved = await resolve_uris(database, data)
    assert resolved.ids.tolist() == [hashed_track_id(u) for u in URIS]
    store = LocalVectorStore(settings.index_path)
    await import_vectors(store, resolved, generation=CatalogIndexGeneration(database))
    got = await store.get_vectors(resolved.ids)
    assert got.ids.tolist() == resolved.ids.tolist()
    assert np.allclose(got.vectors, vectors)
    # The record arrives later and its track takes the id its vector was stored under.
    track = TrackRecord(URIS[2], DID, "3lbrev0000001", CID, 1, "Song", "Alice", None)
    await apply_follow(database, [track], cursor=1)
    async with database.reading() as conn:
        shown = await hydrate(conn, [int(resolved.ids[2])])
    assert [t.title for t in shown] == ["Song"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [{"uri": URIS[0], "vector": [1.0, 0.0]}, {"uri": URIS[0], "vector": [0.0, 1.0]}],
            "duplicate uri",
        ),
        ([{"uri": "at://nobody/x", "vector": [1.0, 0.0]}], "not a record AT-URI"),
        ([{"uri": URIS[0], "vector": [1.0, 0.0]}, {"id": 4, "vector": [0.0, 1.0]}], "not both"),
        ([{"id": 4, "uri": URIS[0], "vector": [0.0, 1.0]}], "not both"),
    ],
)
def test_bad_uris_are_rejected_by_line(
    tmp_path: Path, lines: list[dict[str, object]], message: str
) -> None:
    path = tmp_path / "v.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(ImportRejected, match=message):
        read_vectors(path)


def test_the_command_line_takes_uris(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEGUE_DATABASE_URL", settings.catalog_url)
    path, ids_path = write(tmp_path, "npy", URIS, unit_vectors(len(URIS), d=6, seed=1))
    result = CliRunner().invoke(
        app,
        ["import", "vectors", str(path), "--ids", str(ids_path), "--data-dir", str(tmp_path / "d")],
    )
    assert result.exit_code == 0, result.output
    assert "imported 4 vectors" in result.output
