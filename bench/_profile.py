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
TOP = 15


@dataclass
class Profile:
    path: Path
    error: str | None = None  # why py-spy recorded nothing, when it did not
    stderr: list[str] = field(default_factory=list)

    def summary(self, top: int = TOP) -> str:
        if self.error is not None:
            return f"py-spy could not profile the server: {self.error}"
        samples, self_rows, total_rows = top_functions(self.path.read_text(), top)
        lines = [f"py-spy profile: {self.path} ({samples:,} samples; open it in speedscope.app)"]
        for title, rows in (("self", self_rows), ("inclusive", total_rows)):
            lines += ["", f"Top {top} functions by {title} time (% of samples):"]
            lines += [f"  {share:5.1f}%  {name}" for name, share in rows]
        return "\n".join(lines)


def top_functions(
    raw: str, top: int = TOP
) -> tuple[int, list[tuple[str, float]], list[tuple[str, float]]]:
    """Samples, then the ``top`` functions by self and by inclusive share of the samples."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_LINE.sub(")", f) for f in stack.split(";")]
        samples += n
        own[frames[-1]] += n
        for name in set(frames):
            inclusive[name] += n
    if not samples:
        return 0, [], []
    return (
        samples,
        [(name, 100 * n / samples) for name, n in own.most_common(top)],
        [(name, 100 * n / samples) for name, n in inclusive.most_common(top)],
    )


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
