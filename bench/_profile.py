"""py-spy on a running server: record while a load runs, then the top functions by self time.

    with py_spy(pid, seconds=15, out=CACHE_DIR / "hit.txt") as profile:
        run_load()
    print(profile.summary())

The raw format (collapsed stacks, one ``frame;frame;... count`` line each) is what is
aggregated here; speedscope.app and flamegraph.pl open the same file.
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Profile", "py_spy", "top_functions"]

_LINE = re.compile(r":\d+\)$")  # a frame's line number: functions are aggregated over lines
_FILE = re.compile(r"\((?P<top>[^/.)]+)[^)]*\)$")  # the frame's file: its top-level package
TOP = 15


@dataclass
class Profile:
    path: Path
    error: str | None = None  # why py-spy recorded nothing, when it did not
    stderr: list[str] = field(default_factory=list)

    def summary(self, top: int = TOP) -> str:
        if self.error is not None:
            return f"py-spy could not profile the server: {self.error}"
        top_self, top_segue, packages, samples = top_functions(self.path.read_text(), top)
        lines = [f"py-spy profile: {self.path} ({samples:,} samples; open it in speedscope.app)"]
        for title, rows in (
            (f"Top {top} functions by self time", top_self),
            (f"Top {top} of Segue's functions by inclusive time", top_segue),
            ("Self time by package", packages),
        ):
            lines += ["", f"{title} (% of samples):"]
            lines += [f"  {share:5.1f}%  {name}" for name, share in rows]
        return "\n".join(lines)


Shares = list[tuple[str, float]]


def top_functions(raw: str, top: int = TOP) -> tuple[Shares, Shares, Shares, int]:
    r"""From py-spy's raw output: the ``top`` functions by self time, Segue's ``top`` by
    inclusive time, self time by top-level package (shares in %), and the sample count.

    >>> top_functions("main (app.py:3);f (segue/a.py:9) 3\nmain (app.py:3) 1")[0]
    [('f (segue/a.py)', 75.0), ('main (app.py)', 25.0)]
    """
    own: collections.Counter[str] = collections.Counter()
    segue: collections.Counter[str] = collections.Counter()
    packages: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        # --subprocesses roots each stack at a "process <pid>:<command line>" frame.
        frames = [_LINE.sub(")", f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        samples += n
        own[frames[-1]] += n
        found = _FILE.search(frames[-1])
        packages[found["top"] if found else "?"] += n
        # The CLI frames hold every sample of the server: they say nothing.
        for name in {f for f in frames if "(segue/" in f and "(segue/cli/" not in f}:
            segue[name] += n
    if not samples:
        return [], [], [], 0

    def shares(counts: collections.Counter[str]) -> Shares:
        return [(name, 100 * n / samples) for name, n in counts.most_common(top)]

    return shares(own), shares(segue), shares(packages), samples


def _py_spy() -> str | None:
    return shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")


@contextmanager
def py_spy(pid: int, *, seconds: int, out: Path) -> Iterator[Profile]:
    """Record ``pid`` (and its child processes) for ``seconds`` while the block runs."""
    profile = Profile(out)
    exe = _py_spy()
    if exe is None:
        profile.error = "py-spy is not installed (it is in the dev dependency group)"
        yield profile
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    args = [exe, "record", "--pid", str(pid), "--duration", str(seconds), "--format", "raw"]
    args += ["--subprocesses", "--output", str(out)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield profile
    finally:
        try:
            output, _ = proc.communicate(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        if proc.returncode != 0 or not out.is_file():
            profile.error = f"py-spy exited with {proc.returncode}: {output.strip()[-500:]}"
