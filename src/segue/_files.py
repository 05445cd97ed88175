"""Files replaced whole or not at all: a crash or a power loss leaves the old or the new one;
the data dir and its files, readable by their owner only (0700 and 0600); a file's lines."""

from __future__ import annotations

import io
import logging
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "PRIVATE_DIR",
    "PRIVATE_FILE",
    "atomic_write_bytes",
    "atomic_write_text",
    "file_lines",
    "fsync_path",
    "private_dir",
    "private_file",
    "replacing",
]

log = logging.getLogger("segue")

#: The data dir and every directory Segue makes in it: the owner's only.
PRIVATE_DIR = 0o700
#: Every file Segue writes there (catalog, index, tokens, manifests): the owner's only.
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """Make ``path`` (and its parents) if missing, as the owner's only (0700); an existing
    directory of ours that others can read is tightened to 0700.

        >>> private_dir(Path("segue-data"))  # doctest: +SKIP
    """
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _tighten(path)
    return path


def private_file(path: Path) -> Path:
    """Make ``path`` an empty file readable by its owner only (0600) if it does not exist;
    tighten it if it is ours and others can read it. Do this before a library (SQLite)
    creates the file with its own, looser mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        _tighten(path)
    return path


def _tighten(path: Path) -> None:
    """Take the group's and others' permissions away from a file or directory of ours.

    Not from a sticky directory (``/tmp``, ``/var/tmp``): it is shared by design, and a
    Segue run as root that held a database there (``sqlite:////tmp/x.db``) would otherwise
    lock every other user of the machine out of it. The database file itself is still
    made the owner's only."""
    info = path.stat()
    mode = stat.S_IMODE(info.st_mode)
    if mode & stat.S_ISVTX:
        return
    if mode & 0o077 and info.st_uid == os.geteuid():
        os.chmod(path, mode & ~0o077)
        log.info("%s was open to others (%o); now %o", path, mode, mode & ~0o077)


def file_lines(text: str) -> list[str]:
    r"""A text file's lines, ended by ``\n``, ``\r\n`` or ``\r`` only.

    Not ``str.splitlines``: it also ends a line at U+2028, U+2029 or U+0085, which JSON
    allows unescaped inside a string (a title written with ``ensure_ascii=False``), so one
    valid row would become two invalid ones and every later line number would be off.

        >>> file_lines('{"title": "A\u2028B"}\r\n{}\n')
        ['{"title": "A\u2028B"}', '{}']
        >>> len('{"title": "A\u2028B"}'.splitlines())
        2
    """
    return [line.rstrip("\n") for line in io.StringIO(text, newline=None)]


def fsync_path(path: Path) -> None:
    """Flush a file or a directory to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def replacing(path: Path, *, mode: int = PRIVATE_FILE) -> Iterator[Path]:
    """A new, empty file beside ``path`` to write; renamed over ``path`` if the block succeeds.

    The file is flushed to disk before the rename, and the directory after it, so that
    after a crash ``path`` is the old file or the complete new one. A failed block removes
    the new file and leaves ``path`` as it was. ``mode`` is given to the new file with the
    umask applied, as :func:`open` does (by default ``0o600``: readable by the owner only,
    from the start). A link at ``path`` is replaced, not followed.

        >>> with replacing(Path("segue-data/vectors.usearch")) as tmp:  # doctest: +SKIP
        ...     index.save(str(tmp))
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
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


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = PRIVATE_FILE) -> None:
    """Replace ``path`` with ``data``, whole or not at all (see :func:`replacing`).

    >>> atomic_write_bytes(Path("segue-data/demo.json"), b"{}")  # doctest: +SKIP
    """
    with replacing(path, mode=mode) as tmp, open(tmp, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: Path, text: str, *, mode: int = PRIVATE_FILE) -> None:
    """Replace ``path`` with ``text`` in UTF-8, whole or not at all (see :func:`replacing`)."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)
