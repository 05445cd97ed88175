"""`segue import tracks/vectors/playlists` through the real command line, on PostgreSQL
and SQLite (SEGUE_DATABASE_URL), then `segue recommend` on what was imported."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from segue.catalog import get_playlist, hydrate, open_database
from segue.cli import app

from .ingest_support import OWNER, snapshot, track_row, write_csv, write_jsonl


@pytest.fixture
def cli(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SEGUE_DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, [*args, "--data-dir", str(tmp_path / "data")])

    return invoke


def query(settings, work):
    """Run ``await work(database)`` on a database opened for the call (the tests are sync:
    the CLI runs its own event loop)."""

    async def go():
        database = open_database(settings)
        try:
            return await work(database)
        finally:
            await database.aclose()

    return asyncio.run(go())


async def _playlist(database, playlist_id):
    async with database.sessionmaker() as s:
        return await get_playlist(s, playlist_id)


def parquet(path, ids, vectors):
    column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), vectors.shape[1])
    pq.write_table(pa.table({"id": ids, "vector": column}), path)
    return path


def test_import_everything_then_recommend(cli, settings, tmp_path):
    tracks = write_csv(tmp_path / "tracks.csv", [track_row(i) for i in range(1, 21)])
    res = cli("import", "tracks", str(tracks))
    assert res.exit_code == 0, res.output
    assert "imported 20 tracks (20 new) by 2 artists (2 new)" in res.stderr

    vectors = np.random.default_rng(0).normal(size=(20, 8)).astype(np.float32)
    vectors_file = str(parquet(tmp_path / "v.parquet", list(range(1, 21)), vectors))
    res = cli("import", "vectors", vectors_file)
    assert res.exit_code == 0, res.output
    assert "imported 20 vectors of dimension 8: 20 changed, 0 already" in res.stderr
    assert "the store now holds 20" in res.stderr
    again = cli("import", "vectors", vectors_file)
    assert again.exit_code == 0, again.output
    assert "imported 20 vectors of dimension 8: 0 changed, 20 already" in again.stderr

    row = {"id": "mix", "owner_did": OWNER, "name": "Mix", "tracks": [4, 2, 9]}
    playlists = write_jsonl(tmp_path / "p.jsonl", [{**row, "owner_handle": "owner.example.com"}])
    res = cli("import", "playlists", str(playlists))
    assert res.exit_code == 0, res.output
    assert "imported 1 playlists (1 new, 0 changed); 1 new users" in res.stderr
    again = cli("import", "playlists", str(playlists))
    assert "imported 1 playlists (0 new, 0 changed); 0 new users" in again.stderr

    assert query(settings, lambda db: _playlist(db, "mix")).track_ids == (4, 2, 9)
    res = cli("recommend", "4", "2", "9", "--limit", "3", "--json")
    assert res.exit_code == 0, res.output
    ids = [r["id"] for r in json.loads(res.stdout)]
    assert len(ids) == 3
    assert not set(ids) & {4, 2, 9}

    async def shown(db):
        async with db.sessionmaker() as s:
            return [t.id for t in await hydrate(s, ids)]

    assert query(settings, shown) == ids  # every recommendation is a catalog track


def test_problems_are_listed_and_nothing_is_written(cli, settings, tmp_path):
    good = write_jsonl(tmp_path / "t.jsonl", [track_row(1), track_row(2)])
    assert cli("import", "tracks", str(good)).exit_code == 0
    before = query(settings, snapshot)
    rows = [track_row(3), track_row(4, id="four"), track_row(1, artist_did="x")]
    res = cli("import", "tracks", str(write_jsonl(tmp_path / "bad.jsonl", rows)))
    assert res.exit_code == 2
    lines = res.stderr.splitlines()
    assert lines[0].startswith("error: cannot import ")
    assert lines[0].endswith("2 problems, nothing was written")
    assert lines[1:] == [
        "  line 2: id: expected an integer id, got 'four'",
        "  line 3: artist_did: not a DID: 'x'",
    ]
    assert query(settings, snapshot) == before

    res = cli("import", "playlists", str(write_jsonl(tmp_path / "p.jsonl", [{"id": "p"}])))
    assert res.exit_code == 2
    assert "line 1: missing owner_did, name, tracks" in res.stderr
    assert query(settings, snapshot) == before


def test_vectors_format_option_and_jsonl(cli, tmp_path):
    path = tmp_path / "vectors.data"
    path.write_text('{"id": 1, "vector": [1, 0]}\n{"id": 2, "vector": [0, 1]}\n')
    res = cli("import", "vectors", str(path))
    assert res.exit_code == 2
    assert "pass --format" in res.stderr
    res = cli("import", "vectors", str(path), "--format", "jsonl")
    assert res.exit_code == 0, res.output
    assert "imported 2 vectors of dimension 2" in res.stderr
