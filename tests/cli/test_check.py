"""`segue check`: the catalog's tracks against the vector store's ids, on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner
from usearch.compiled import MetricKind, ScalarKind
from usearch.index import Index

from segue.catalog import open_database
from segue.catalog._models import Artist, Track
from segue.cli import app
from segue.consistency import check_consistency
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from ..support import unit_vectors

DIM = 8


async def _seed(
    settings: Settings, track_ids: list[int], vector_ids: list[int], deleted=()
) -> None:
    database = open_database(settings)
    try:
        async with database.sessionmaker() as s:
            s.add(Artist(did="did:plc:artist", handle="artist.example.com"))
            await s.flush()
            gone = datetime(2025, 1, 1, tzinfo=UTC)
            rows = [
                {
                    "id": i,
                    "title": f"T{i}",
                    "artist_did": "did:plc:artist",
                    "deleted_at": gone if i in deleted else None,
                }
                for i in track_ids
            ]
            if rows:
                await s.execute(sa.insert(Track), rows)
            await s.commit()
    finally:
        await database.aclose()
    if vector_ids:
        await LocalVectorStore(settings.index_path).upsert(
            vector_ids, unit_vectors(len(vector_ids), d=DIM)
        )


@pytest.fixture
def invoke(settings: Settings, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEGUE_DATABASE_URL", settings.catalog_url)

    def go(*args: str):
        return CliRunner().invoke(app, ["check", *args, "--data-dir", str(settings.data_dir)])

    return go


def test_consistent(settings: Settings, invoke):
    asyncio.run(_seed(settings, [1, 2, 3], [1, 2, 3]))
    res = invoke()
    assert res.exit_code == 0, res.output
    assert "3 tracks" in res.stdout
    assert "dimension 8" in res.stdout
    assert res.stdout.strip().endswith("consistent")
    assert invoke("--dimension", str(DIM)).exit_code == 0


def test_reports_every_difference(settings: Settings, invoke):
    asyncio.run(_seed(settings, [1, 2, 3, 4, 5], [2, 3, 50, 60], deleted={5}))
    res = invoke("--json")
    assert res.exit_code == 1, res.output
    report = json.loads(res.stdout)
    assert report["consistent"] is False
    assert report["damaged"] is True
    assert report["pending"] == 2
    assert report["tracks_without_vectors"] == [1, 4]  # 5 is deleted: it needs none
    assert report["vectors_without_tracks"] == [50, 60]
    assert report["tracks"] == 4
    assert report["vectors"] == 4
    text = invoke()
    assert text.exit_code == 1
    assert "pending: tracks without vectors yet: 2: 1, 4" in text.stdout
    assert "DAMAGE: vectors without tracks: 2: 50, 60" in text.stdout
    assert text.stdout.strip().endswith("INCONSISTENT")


def test_tracks_without_vectors_are_pending_not_damage(settings: Settings, invoke):
    # Tracks imported before they are embedded: a normal state, reported apart, exit 0.
    asyncio.run(_seed(settings, [1, 2, 3, 4], [2, 3]))
    res = invoke()
    assert res.exit_code == 0, res.output
    assert "pending: tracks without vectors yet: 2: 1, 4" in res.stdout
    assert "DAMAGE" not in res.stdout
    assert res.stdout.strip().endswith("consistent (2 tracks pending: no vector yet)")
    report = json.loads(invoke("--json").stdout)
    assert report["consistent"] is True
    assert report["damaged"] is False
    assert report["pending"] == 2
    assert report["tracks_without_vectors"] == [1, 4]


def test_vectors_of_deleted_tracks_are_a_note_not_a_difference(settings: Settings, invoke):
    asyncio.run(_seed(settings, [1, 2], [1, 2], deleted={2}))
    res = invoke()
    assert res.exit_code == 0, res.output
    assert "1 vectors of deleted tracks" in res.stdout


def test_dimension_mismatch(settings: Settings, invoke):
    asyncio.run(_seed(settings, [1], [1]))
    res = invoke("--dimension", "512")
    assert res.exit_code == 1
    assert "DAMAGE: dimension expected 512, found 8" in res.stdout
    assert res.stdout.strip().endswith("INCONSISTENT")


def test_tracks_and_no_vector_at_all_is_damage_not_pending(settings: Settings, invoke):
    # Issue 26: the usual cause is another data dir than the import's; it is not "pending".
    asyncio.run(_seed(settings, list(range(1, 31)), []))
    res = invoke()
    assert res.exit_code == 1, res.output
    assert "pending: tracks without vectors yet: 30: 1, 2, 3" in res.stdout
    assert "(10 more)" in res.stdout
    assert "DAMAGE: the store holds no vectors at all and the catalog 30 tracks" in res.stdout
    assert str(settings.index_path.resolve()) in res.stdout
    assert res.stdout.strip().endswith("INCONSISTENT")
    report = json.loads(invoke("--json").stdout)
    assert report["no_vectors_at_all"] is True
    assert report["consistent"] is False


def test_invalid_vectors_are_found(settings: Settings, invoke):
    asyncio.run(_seed(settings, [1, 2, 3], []))
    # Written with usearch directly: Segue's own upsert refuses such vectors.
    index = Index(ndim=DIM, metric=MetricKind.Cos, dtype=ScalarKind.F32)
    bad = unit_vectors(3, d=DIM)
    bad[1] = 0.0
    bad[2, 0] = np.nan
    index.add(np.array([1, 2, 3]), bad)
    settings.index_path.parent.mkdir(parents=True, exist_ok=True)
    index.save(str(settings.index_path))
    report = json.loads(invoke("--json").stdout)
    assert report["invalid_vectors"] == [2, 3]
    assert report["consistent"] is False
    res = invoke()
    assert res.exit_code == 1
    assert "DAMAGE: invalid vectors (not finite, or zero): 2: 2, 3" in res.stdout


def test_leftover_temporary_file_is_noted(settings: Settings, invoke):
    asyncio.run(_seed(settings, [1], [1]))
    leftover = Path(f"{settings.index_path}.abc123.tmp")
    leftover.write_bytes(b"half an index")
    res = invoke()
    assert res.exit_code == 0
    assert "left over from an interrupted write" in res.stdout


def test_generation_directory_without_its_link_is_noted(settings: Settings, invoke):
    asyncio.run(_seed(settings, [1], [1]))
    # a compact index: its live generation is no leftover, one no link names is
    asyncio.run(
        LocalVectorStore(settings.index_path, dtype="bf16").upsert([1], unit_vectors(1, d=DIM))
    )
    orphan = Path(f"{settings.index_path}.abc123.d")
    orphan.mkdir()
    res = invoke()
    assert res.exit_code == 0
    noted = [line for line in res.stdout.splitlines() if "left over" in line]
    assert len(noted) == 1
    assert str(orphan) in noted[0]


async def test_service_on_a_large_catalog(settings: Settings):
    # More ids than one streamed batch and one scan batch, with differences at both ends.
    ids = list(range(1, 12_001))
    await _seed(settings, ids, [*ids[1:-1], 20_000])
    database = open_database(settings)
    try:
        report = await check_consistency(database, LocalVectorStore(settings.index_path))
    finally:
        await database.aclose()
    assert report.tracks_without_vectors == [1, 12_000]
    assert report.vectors_without_tracks == [20_000]
    assert report.vectors == 11_999
    assert report.pending == 2
    assert report.damaged
    assert not report.consistent
