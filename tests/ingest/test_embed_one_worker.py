"""With the embedded catalog or the local index, one `segue embed --catalog` at a time: a
second one on the same data dir stops at once, saying why (two writers of one index file
would drop each other's vectors)."""

from __future__ import annotations

import fcntl
from pathlib import Path

from typer.testing import CliRunner

from segue.cli import app


def test_a_second_worker_on_the_same_data_dir_is_refused(tmp_path: Path, clap_dir: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    env = {"SEGUE_DATABASE_URL": "", "SEGUE_VECTOR_BACKEND": "local",
           "SEGUE_CLAP_MODEL": str(clap_dir)}  # fmt: skip
    with (data / "embed-catalog.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a first worker holds it
        second = CliRunner().invoke(app, ["embed", "--catalog", "--data-dir", str(data)], env=env)
    assert second.exit_code == 2, second.output
    assert "another segue embed --catalog runs on" in " ".join(second.output.split())
    # Once the first is gone, a worker runs (nothing pending: it exits at once).
    alone = CliRunner().invoke(app, ["embed", "--catalog", "--data-dir", str(data)], env=env)
    assert alone.exit_code == 0, alone.output
    assert "embedded 0 catalog track(s)" in " ".join(alone.output.split())


def test_paths_and_catalog_are_one_or_the_other(tmp_path: Path) -> None:
    data = tmp_path / "data"
    both = CliRunner().invoke(app, ["embed", str(tmp_path), "--catalog", "--data-dir", str(data)])
    assert both.exit_code == 2
    watch = CliRunner().invoke(app, ["embed", str(tmp_path), "--watch", "--data-dir", str(data)])
    assert watch.exit_code == 2
    assert "--watch goes with --catalog" in " ".join(watch.output.split())
