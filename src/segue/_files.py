"""Files replaced whole or not at all: a crash or a power loss leaves the old or the new one."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "fsync_path", "replacing"]


def fsync_path(path: Path) -> None:
    """Flush a file or a directory to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def replacing(path: Path, *, mode: int = 0o666) -> Iterator[Path]:
    """A new, empty file beside ``path`` to write; renamed over ``path`` if the block succeeds.

    The file is flushed to disk before the rename, and the directory after it, so that
    after a crash ``path`` is the old file or the complete new one. A failed block removes
    the new file and leaves ``path`` as it was. ``mode`` is given to the new file with the
    umask applied, as :func:`open` does (``0o600``: readable by the owner only, from the
    start). A link at ``path`` is replaced, not followed.

        >>> with replacing(Path("segue-data/vectors.usearch")) as tmp:  # doctest: +SKIP
        ...     index.save(str(tmp))
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # The pattern `segue check` lists as left over when a process is killed mid-write.
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(6)}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
    try:
        yield tmp
        fsync_path(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_path(path.parent)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o666) -> None:
    """Replace ``path`` with ``data``, whole or not at all (see :func:`replacing`).

    >>> atomic_write_bytes(Path("segue-data/demo.json"), b"{}")  # doctest: +SKIP
    """
    with replacing(path, mode=mode) as tmp, open(tmp, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: Path, text: str, *, mode: int = 0o666) -> None:
    """Replace ``path`` with ``text`` in UTF-8, whole or not at all (see :func:`replacing`)."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)
