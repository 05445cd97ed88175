"""Where a compact local index lives on disk: one directory per generation, one symlink.

``vectors.usearch`` is then a symbolic link to ``vectors.usearch.<id>.d/graph.usearch``;
the directory also holds the exact vectors (:mod:`._exact`). A write builds a new
directory under a ``.tmp`` name, flushes it, renames it to ``.d`` and swaps the link with
one ``rename``: a reader (or a crash) sees the old pair or the new pair, never a graph
with another generation's vectors. Directories no link names are removed by the next
write; a process that has them memory-mapped keeps reading them until it re-opens.

    >>> graph_of(Path("segue-data/vectors.usearch.0a1b.d"))
    PosixPath('segue-data/vectors.usearch.0a1b.d/graph.usearch')
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from segue._files import PRIVATE_DIR, PRIVATE_FILE, fsync_path

__all__ = [
    "GRAPH",
    "discard",
    "generation_dir",
    "graph_of",
    "new_generation",
    "publish",
    "remove_stale",
]

GRAPH = "graph.usearch"


def graph_of(directory: Path) -> Path:
    return directory / GRAPH


def generation_dir(path: Path) -> Path | None:
    """The generation directory ``path`` links to, or ``None`` for a plain file (or none)."""
    if not path.is_symlink():
        return None
    return Path(os.path.realpath(path)).parent


def new_generation(path: Path) -> Path:
    """An empty directory beside ``path`` to build the next generation in."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    tmp = path.parent / f"{path.name}.{secrets.token_hex(6)}.tmp"
    tmp.mkdir(mode=PRIVATE_DIR)
    return tmp


def publish(path: Path, tmp: Path) -> Path:
    """Make the generation built in ``tmp`` the one ``path`` names; its final directory.

    Everything in ``tmp`` must already be flushed to disk. Its files become the owner's
    only (0600), whatever mode the library that wrote them gave them.
    """
    for file in tmp.iterdir():
        os.chmod(file, PRIVATE_FILE)
    fsync_path(tmp)
    final = tmp.with_suffix(".d")
    os.rename(tmp, final)
    link = path.parent / f"{final.stem}.link.tmp"
    os.symlink(os.path.join(final.name, GRAPH), link)
    os.replace(link, path)
    fsync_path(path.parent)
    remove_stale(path, keep=final)
    return final


def discard(tmp: Path) -> None:
    """Remove a generation that failed before it was published."""
    shutil.rmtree(tmp, ignore_errors=True)


def remove_stale(path: Path, *, keep: Path | None) -> None:
    """Remove the generation directories of ``path`` other than ``keep``."""
    for directory in path.parent.glob(f"{path.name}.*.d"):
        if directory != keep and directory.is_dir() and not directory.is_symlink():
            shutil.rmtree(directory, ignore_errors=True)
