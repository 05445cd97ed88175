"""SIGKILL in the middle of `segue import vectors`: the index is the old one or the new one,
whole, and `segue check` says which; a re-run completes it.

The import runs as the installed `segue` command in a process of its own, killed while it
builds the new index, and again while it writes the new file beside the old one; with an f32
index (one file) and a bf16 one (graph and exact vectors in a generation directory behind a
link: the pair must never mix generations).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from segue.catalog import open_database, upgrade
from segue.catalog._models import Artist, Track
from segue.cli import app
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from ..support import segue_binary, unit_vectors

OLD, NEW, DIM = 3000, 5000, 32  # the index holds 1..OLD; the import brings 1..NEW
ATTEMPTS = 3
GUARD = 120.0  # seconds for one import run on a loaded machine (it takes a few)


async def _catalog(settings: Settings) -> None:
    database = open_database(settings)
    try:
        await upgrade(database)
        async with database.sessionmaker() as s:
            s.add(Artist(did="did:plc:a", handle="a.example.com"))
            await s.flush()
            rows = [
                {"id": i, "title": f"T{i}", "artist_did": "did:plc:a"} for i in range(1, NEW + 1)
            ]
            await s.execute(sa.insert(Track), rows)
            await s.commit()
    finally:
        await database.aclose()


@pytest.fixture(params=["f32", "bf16"])
def data(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, np.ndarray, np.ndarray, list[str]]:
    monkeypatch.setenv("SEGUE_LOCAL_INDEX_DTYPE", request.param)  # the import inherits it
    settings = Settings(data_dir=tmp_path / "data")
    asyncio.run(_catalog(settings))
    old, new = unit_vectors(OLD, d=DIM, seed=1), unit_vectors(NEW, d=DIM, seed=2)
    store = LocalVectorStore(settings.index_path, dtype=settings.local_index_dtype.value)
    asyncio.run(store.upsert(np.arange(1, OLD + 1), old))
    np.save(tmp_path / "new.npy", new)
    (tmp_path / "ids.txt").write_text("\n".join(str(i) for i in range(1, NEW + 1)) + "\n")
    command = [
        segue_binary(), "import", "vectors", str(tmp_path / "new.npy"),
        "--ids", str(tmp_path / "ids.txt"), "--data-dir", str(settings.data_dir),
    ]  # fmt: skip
    return settings, old, new, command


def _mapped(pid: int, path: Path) -> bool:
    try:
        return str(path) in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False  # the process has gone


def _writing(settings: Settings) -> bool:
    return any(settings.data_dir.glob(f"{settings.index_path.name}.*.tmp"))


def kill_while(command: list[str], moment: str, settings: Settings, npy: Path) -> int:
    """Run the import and SIGKILL it at ``moment``; its exit status."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + GUARD
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if moment == "building" and _mapped(proc.pid, npy):
                time.sleep(0.05)  # being validated, or its graph being built
                break
            if moment == "writing" and _writing(settings):
                break
            time.sleep(0.0005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    return proc.returncode


def check(settings: Settings) -> dict[str, object]:
    res = CliRunner().invoke(app, ["check", "--json", "--data-dir", str(settings.data_dir)])
    assert res.exit_code in (0, 1), res.output
    report: dict[str, object] = json.loads(res.stdout)
    assert (res.exit_code == 0) == report["consistent"]
    return report


def save_index(settings: Settings, into: Path) -> None:
    """A copy of the index as it is: the file, or the link and its generation directory."""
    path = settings.index_path
    if path.is_symlink():
        shutil.copytree(Path(os.path.realpath(path)).parent, into / "generation", symlinks=True)
        (into / "link").write_text(os.readlink(path))
    else:
        shutil.copyfile(path, into / "file")


def restore_index(settings: Settings, saved: Path) -> None:
    """Put the saved index back in place (the same way a write does: rename last)."""
    path = settings.index_path
    if (saved / "file").exists():
        shutil.copyfile(saved / "file", saved / "restore")
        os.replace(saved / "restore", path)
        return
    target = (saved / "link").read_text()
    directory = path.parent / Path(target).parent
    if not directory.exists():
        shutil.copytree(saved / "generation", directory, symlinks=True)
    os.symlink(target, path.parent / "restore.link")
    os.replace(path.parent / "restore.link", path)


def state(settings: Settings, old: np.ndarray, new: np.ndarray) -> str:
    """ "old" or "new" when the index is wholly one of them; fails on anything else."""
    store = LocalVectorStore(settings.index_path)
    fetched = asyncio.run(store.get_vectors(np.arange(1, NEW + 1)))
    if len(fetched) == OLD and np.array_equal(fetched.vectors, old):
        return "old"
    assert len(fetched) == NEW, f"{len(fetched)} vectors: neither {OLD} nor {NEW}"
    assert np.array_equal(fetched.vectors, new), "a mix of old and new vectors"
    return "new"


@pytest.mark.parametrize("moment", ["building", "writing"])
def test_sigkill_leaves_old_or_new_index_whole(moment, data, tmp_path: Path):
    settings, old, new, command = data
    saved = tmp_path / "saved"
    saved.mkdir()
    save_index(settings, saved)
    for _ in range(ATTEMPTS):
        code = kill_while(command, moment, settings, tmp_path / "new.npy")
        if code == -signal.SIGKILL:
            break
        # It finished before the poller saw the moment (a loaded machine can starve the
        # poller for longer than the write takes): put the old index back, try again.
        restore_index(settings, saved)
    assert code == -signal.SIGKILL, f"the import ended by itself ({code}) every time"
    report = check(settings)
    if state(settings, old, new) == "old":
        assert report["tracks_without_vectors"] == list(range(OLD + 1, NEW + 1))
        assert report["vectors_without_tracks"] == []
    else:
        assert report["consistent"] is True
    # The same import again completes what the killed one started.
    done = subprocess.run(command, capture_output=True, timeout=GUARD, check=False)
    assert done.returncode == 0, done.stderr
    assert state(settings, old, new) == "new"
    assert check(settings)["consistent"] is True
    assert os.path.exists(settings.index_path)
