"""`segue import vectors` and `segue recommend` through the real command line."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from segue.cli import app

from ..support import unit_vectors


@pytest.fixture
def runner():
    return CliRunner()


def write(tmp_path, vectors, ids_text, name="v"):
    vp, ip = tmp_path / f"{name}.npy", tmp_path / f"{name}.txt"
    np.save(vp, vectors)
    ip.write_text(ids_text)
    return str(vp), str(ip)


def test_import_then_recommend_json(runner, tmp_path):
    data = tmp_path / "data"
    x = unit_vectors(50)
    vp, ip = write(tmp_path, x, "\n".join(str(i) for i in range(1000, 1050)) + "\n")
    res = runner.invoke(app, ["import", "vectors", vp, "--ids", ip, "--data-dir", str(data)])
    assert res.exit_code == 0, res.output
    assert "imported 50 vectors of dimension 8" in res.output

    res = runner.invoke(
        app, ["recommend", "1000", "--limit", "4", "--json", "--data-dir", str(data)]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 4
    assert set(rows[0]) == {"id", "distance"}
    expected = 1000 + np.argsort(1 - x[1:] @ x[0])[:4] + 1
    assert [r["id"] for r in rows] == expected.tolist()

    table = runner.invoke(app, ["recommend", "1000", "1001", "--data-dir", str(data)])
    assert table.exit_code == 0
    assert "3 recommendations" in table.stdout


def test_data_dir_from_environment(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("SEGUE_DATA_DIR", str(tmp_path / "env-data"))
    vp, ip = write(tmp_path, unit_vectors(3), "1\n2\n3")
    assert runner.invoke(app, ["import", "vectors", vp, "--ids", ip]).exit_code == 0
    assert (tmp_path / "env-data" / "vectors.usearch").exists()


@pytest.mark.parametrize(
    ("vectors", "ids", "message"),
    [
        (unit_vectors(3), "1\n2\n", "has 2 ids but"),
        (unit_vectors(3), "1\n2\nx\n", "v.txt line 3: expected an integer id, got 'x'"),
        (unit_vectors(3), "1\n2\n1\n", "v.txt line 1: duplicate id 1 (again on v.txt line 3)"),
        (unit_vectors(3), "1\n-2\n3\n", "v.txt line 2: id -2 is out of range"),
        (
            unit_vectors(3),
            "1\n9007199254740992\n3\n",
            "v.txt line 2: id 9007199254740992 is out of range 0..9007199254740991 (2**53 - 1",
        ),
        (np.ones((3, 2, 2), np.float32), "1\n2\n3\n", "expected a 2-D array"),
        (np.ones((3, 4), np.int32), "1\n2\n3\n", "expected float32 values"),
        (
            np.array([[1, 2], [np.nan, 1], [1, 1]], np.float32),
            "1\n2\n3\n",
            "row 1: the vector contains NaN",
        ),
    ],
)
def test_import_validation_writes_nothing(runner, tmp_path, vectors, ids, message):
    data = tmp_path / "data"
    vp, ip = write(tmp_path, vectors, ids)
    res = runner.invoke(app, ["import", "vectors", vp, "--ids", ip, "--data-dir", str(data)])
    assert res.exit_code == 2
    assert message in " ".join(res.stderr.split())
    assert not (data / "vectors.usearch").exists()


def test_wrong_dimension_keeps_the_existing_index(runner, tmp_path):
    data = tmp_path / "data"
    vp, ip = write(tmp_path, unit_vectors(3, d=8), "1\n2\n3\n", name="a")
    assert (
        runner.invoke(
            app, ["import", "vectors", vp, "--ids", ip, "--data-dir", str(data)]
        ).exit_code
        == 0
    )
    before = (data / "vectors.usearch").read_bytes()
    vp, ip = write(tmp_path, unit_vectors(3, d=4), "4\n5\n6\n", name="b")
    res = runner.invoke(app, ["import", "vectors", vp, "--ids", ip, "--data-dir", str(data)])
    assert res.exit_code == 2
    assert "dimension 4" in res.stderr
    assert (data / "vectors.usearch").read_bytes() == before


def test_not_a_npy_file(runner, tmp_path):
    vp = tmp_path / "v.npy"
    vp.write_bytes(b"garbage")
    ip = tmp_path / "i.txt"
    ip.write_text("1\n")
    res = runner.invoke(
        app, ["import", "vectors", str(vp), "--ids", str(ip), "--data-dir", str(tmp_path)]
    )
    assert res.exit_code == 2
    assert "cannot read" in res.stderr


def test_recommend_on_an_empty_store(runner, tmp_path):
    res = runner.invoke(app, ["recommend", "1", "--json", "--data-dir", str(tmp_path)])
    assert res.exit_code == 0
    assert json.loads(res.stdout) == []


@pytest.mark.parametrize("too_big", ["9007199254740992", "9223372036854775807"])
def test_recommend_refuses_ids_a_browser_cannot_hold(runner, tmp_path, too_big):
    res = runner.invoke(app, ["recommend", "1", too_big, "--data-dir", str(tmp_path)])
    assert res.exit_code == 2
    assert "9007199254740991" in " ".join(res.stderr.split())
    res = runner.invoke(
        app, ["recommend", "9007199254740991", "--json", "--data-dir", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output


def test_demo_runs_twice(runner, tmp_path):
    """The full-size demo: built by the first run, reused by the second."""
    first = runner.invoke(
        app, ["demo", "--no-serve", "--data-dir", str(tmp_path), "--port", "8123"]
    )
    assert first.exit_code == 0, first.output
    assert "demo catalog (built;" in first.stderr
    for name in ("Demo: one Lo-fi track (1)", "Demo: Jazz sampler (4)", "(25)"):
        assert name in first.stdout
    assert first.stdout.count("│ +") == 15  # five recommendations for each playlist
    assert "http://127.0.0.1:8123/login#token=segue_" in first.stdout
    second = runner.invoke(
        app, ["demo", "--no-serve", "--data-dir", str(tmp_path), "--port", "8123"]
    )
    assert second.exit_code == 0, second.output
    assert "demo catalog (already built;" in second.stderr
    assert second.stdout == first.stdout
