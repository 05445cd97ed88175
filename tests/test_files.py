"""Files replaced whole or not at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from segue._files import atomic_write_bytes, atomic_write_text, replacing


def test_writes_a_new_file_and_replaces_an_old_one(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "marker.json"
    atomic_write_text(path, "first\n")
    atomic_write_bytes(path, "second ✓\n".encode())
    assert path.read_text(encoding="utf-8") == "second ✓\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["marker.json"]


def test_a_failed_write_leaves_the_old_file_and_no_leftover(tmp_path: Path) -> None:
    path = tmp_path / "index.bin"
    atomic_write_bytes(path, b"old")

    def fail_midway() -> None:
        with replacing(path) as tmp:
            tmp.write_bytes(b"half of the n")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        fail_midway()
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.bin"]


def test_files_are_private_unless_asked_otherwise(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "nested" / "token", "segue_secret")
        atomic_write_text(tmp_path / "public", "x", mode=0o644)
    finally:
        os.umask(umask)
    # The data dir's files are the owner's only by default (issue 13), whatever the umask.
    assert stat.S_IMODE((tmp_path / "nested" / "token").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "nested").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "public").stat().st_mode) == 0o644


def test_a_link_is_replaced_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "generation" / "graph"
    target.parent.mkdir()
    target.write_bytes(b"compact")
    link = tmp_path / "vectors.usearch"
    link.symlink_to(target)
    atomic_write_bytes(link, b"single file")
    assert not link.is_symlink()
    assert link.read_bytes() == b"single file"
    assert target.read_bytes() == b"compact"
