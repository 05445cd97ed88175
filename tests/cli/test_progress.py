"""Off a terminal, long commands print a progress line every SEGUE_PROGRESS_SECONDS instead
of nothing (issue 26, item 9); on a terminal, rich's bar as before."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from rich.progress import Progress

from segue.catalog import open_database
from segue.cli._progress import ProgressLines, progress_bar, progress_line, progress_status
from segue.consistency import check_consistency
from segue.settings import Settings
from segue.vectors import LocalVectorStore

from ..support import unit_vectors

_LINE = re.compile(r"^writing (tracks|artists): [\d,]+ of [\d,]+ \(\d+%\)$", re.MULTILINE)


def _wait_for(predicate: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "no progress line in time"
        time.sleep(0.01)


def test_lines_every_interval_for_unfinished_tasks_only() -> None:
    out = io.StringIO()
    bar = ProgressLines(console=Console(file=out, width=10_000), interval=0.01)
    with bar:
        task = bar.add_task("writing tracks", total=50_000)
        bar.add_task("writing artists", total=3, completed=3)  # finished: never printed
        bar.advance(task, 12_000)
        _wait_for(lambda: "writing tracks: 12,000 of 50,000 (24%)" in out.getvalue())
    printed = out.getvalue().splitlines()
    assert printed
    assert all(line.startswith("writing tracks: ") for line in printed)
    after = len(printed)
    time.sleep(0.1)
    assert len(out.getvalue().splitlines()) == after  # stopped with the block


def test_a_line_without_a_total_is_the_count() -> None:
    bar = ProgressLines(console=Console(file=io.StringIO()), interval=1)
    task = bar.add_task("repositories", total=None)
    bar.advance(task, 1234)
    assert progress_line(bar.tasks[0]) == "repositories: 1,234"
    del task


def test_off_a_terminal_lines_on_a_terminal_the_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    lines = progress_bar(0.5)
    assert isinstance(lines, ProgressLines)
    assert lines.interval == 0.5
    monkeypatch.setattr(sys, "stderr", Terminal())
    bar = progress_bar(0.5)
    assert isinstance(bar, Progress)
    assert not isinstance(bar, ProgressLines)


def test_a_status_off_a_terminal_is_its_description_every_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", out)  # rich's stderr console writes to it
    status = progress_status(0.01)
    assert isinstance(status, ProgressLines)
    with status:
        task = status.add_task("connecting", total=None)
        status.update(task, description="following wss://a.example: 12 events, 10 applied")
        _wait_for(lambda: "following wss://a.example: 12 events, 10 applied\n" in out.getvalue())
    assert set(out.getvalue().splitlines()) <= {
        "connecting",
        "following wss://a.example: 12 events, 10 applied",
    }  # the description alone: no count after it


def test_import_tracks_piped_prints_progress_lines(tmp_path: Path) -> None:
    rows = [
        {"id": i, "title": f"T{i}", "artist_did": f"did:plc:artist{i % 50}",
         "artist_handle": f"artist{i % 50}.example.com"}
        for i in range(1, 5001)
    ]  # fmt: skip
    source = tmp_path / "tracks.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    env = {**os.environ, "SEGUE_PROGRESS_SECONDS": "0.005"}
    done = subprocess.run(
        [sys.executable, "-m", "segue", "import", "tracks", str(source),
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, check=True, timeout=300, env=env,
    )  # fmt: skip
    assert _LINE.search(done.stderr), done.stderr
    assert "imported 5,000 tracks" in done.stderr


def test_import_tracks_piped_with_the_default_interval_says_only_the_result(
    tmp_path: Path,
) -> None:
    source = tmp_path / "tracks.jsonl"
    row = {"id": 1, "title": "T", "artist_did": "did:plc:a", "artist_handle": "a.example.com"}
    source.write_text(json.dumps(row) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "segue", "import", "tracks", str(source),
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, check=True, timeout=300,
        env={k: v for k, v in os.environ.items() if k != "SEGUE_PROGRESS_SECONDS"},
    )  # fmt: skip
    assert not _LINE.search(done.stderr)  # one row: done long before 5 s
    assert "imported 1 tracks" in done.stderr


async def test_check_reports_its_scan_to_its_steps(settings: Settings) -> None:
    ids = list(range(1, 2501))
    vectors = LocalVectorStore(settings.index_path)
    await vectors.upsert(ids, unit_vectors(len(ids)))
    heard: dict[str, list[int]] = {}

    def steps(description: str, total: int) -> Callable[[int], None]:
        heard[description] = [total]
        return heard[description].append

    database = open_database(settings)
    try:
        await check_consistency(database, LocalVectorStore(settings.index_path), steps=steps)
    finally:
        await database.aclose()
    total, *batches = heard["checking vectors"]
    assert total == 2500
    assert sum(batches) == 2500
    assert len(batches) >= 2
