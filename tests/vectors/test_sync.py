"""Copying an index between backends: complete, idempotent, and resumable."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from segue.cli import app
from segue.errors import VectorStoreUnavailable
from segue.vectors import LocalVectorStore, TurbopufferVectorStore, VectorStore, sync_stores

from ..support import MovesCounted
from .tpuf_standin import LoopbackServer, TurbopufferStandin

N = 53
DIRECTIONS = [("local", "turbopuffer"), ("turbopuffer", "local")]
NO_RETRY = {"x-should-retry": "false"}  # the client obeys it: an interruption, not a blip


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.choice(10_000, size=N, replace=False).astype(np.int64), rng.normal(
        size=(N, 8)
    ).astype(np.float32)


async def _assert_same(target: VectorStore, ids: np.ndarray, vectors: np.ndarray) -> None:
    got = await target.get_vectors(ids)
    assert got.ids.tolist() == ids.tolist()
    np.testing.assert_array_equal(got.vectors, vectors)


@pytest.mark.parametrize(("src", "dst"), DIRECTIONS)
async def test_sync_copies_everything_and_a_rerun_writes_only_changes(
    make_store: Callable[[str], VectorStore], src: str, dst: str
) -> None:
    source, target = make_store(src), make_store(dst)
    ids, vectors = _data()
    await source.upsert(ids, vectors)
    progress: list[int] = []
    gen = MovesCounted()
    first = await sync_stores(
        source, target, generation=gen, read_batch=10, write_batch=20, on_progress=progress.append
    )
    assert (first.scanned, first.written, first.unchanged) == (N, N, 0)
    assert (first.source_count, first.target_count) == (N, N)
    assert first.complete
    assert sum(progress) == N
    assert gen.moves == 3  # one a write of 20, 20 and 13
    await _assert_same(target, ids, vectors)
    again = await sync_stores(source, target, generation=gen, read_batch=10, write_batch=20)
    assert (again.written, again.unchanged, gen.moves) == (0, N, 3)
    await source.upsert(ids[3:4], -vectors[3:4])
    third = await sync_stores(source, target, generation=gen, read_batch=10, write_batch=20)
    assert (third.written, third.unchanged, gen.moves) == (1, N - 1, 4)
    await _assert_same(target, ids[3:4], -vectors[3:4])


@pytest.mark.parametrize(("src", "dst"), DIRECTIONS)
async def test_an_interrupted_sync_finishes_when_run_again(
    make_store: Callable[[str], VectorStore], standin: TurbopufferStandin, src: str, dst: str
) -> None:
    source, target = make_store(src), make_store(dst)
    ids, vectors = _data(1)
    await source.upsert(ids, vectors)
    remote = source if src == "turbopuffer" else target
    assert isinstance(remote, TurbopufferVectorStore)
    # fail the third write of 20 (local -> turbopuffer) or the fifth page of 10 (the reverse)
    if src == "turbopuffer":
        standin.fail_next(503, headers=NO_RETRY, skip=4, path_suffix="/query")
    else:
        standin.fail_next(503, headers=NO_RETRY, skip=2, path_suffix=remote.namespace)
    gen = MovesCounted()
    with pytest.raises(VectorStoreUnavailable):
        await sync_stores(source, target, generation=gen, read_batch=10, write_batch=20)
    assert await target.count() == 40  # two whole writes of 20 landed, nothing else
    # each write that landed moved the generation (and a failed write may have landed)
    assert gen.moves == (2 if src == "turbopuffer" else 3)
    resumed = await sync_stores(source, target, generation=gen, read_batch=10, write_batch=20)
    assert (resumed.written, resumed.unchanged) == (N - 40, 40)
    assert resumed.target_count == N
    await _assert_same(target, np.sort(ids), vectors[np.argsort(ids)])


def test_cli_sync_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids, vectors = _data(2)
    first, second = tmp_path / "first", tmp_path / "second"
    asyncio.run(LocalVectorStore(first / "vectors.usearch").upsert(ids, vectors))
    standin = TurbopufferStandin()
    runner = CliRunner()
    with LoopbackServer(standin) as server:
        monkeypatch.setenv("SEGUE_TURBOPUFFER_API_KEY", standin.api_key)
        monkeypatch.setenv("SEGUE_TURBOPUFFER_BASE_URL", server.base_url)
        monkeypatch.setenv("SEGUE_TURBOPUFFER_NAMESPACE", "cli-sync")
        # Serving reads may be eventual; a sync's reads decide what to write: strong.
        monkeypatch.setenv("SEGUE_TURBOPUFFER_CONSISTENCY", "eventual")
        up = ["vectors", "sync", "--from", "local", "--to", "turbopuffer"]
        result = runner.invoke(app, [*up, "--data-dir", str(first)])
        assert result.exit_code == 0, result.output
        assert f"{N} written" in result.output
        docs = standin.namespaces["cli-sync"].vectors
        np.testing.assert_array_equal(np.stack([docs[int(i)] for i in ids]), vectors)
        rerun = runner.invoke(app, [*up, "--data-dir", str(first)])
        assert rerun.exit_code == 0, rerun.output
        assert f"0 written, {N} already in turbopuffer" in rerun.output
        reads = [r for r in standin.requests if r.path.endswith("/query") and r.body]
        assert reads, "the rerun compared nothing"
        assert all("consistency" not in r.body for r in reads)  # turbopuffer's default: strong
        down = ["vectors", "sync", "--from", "turbopuffer", "--to", "local"]
        back = runner.invoke(app, [*down, "--data-dir", str(second)])
        assert back.exit_code == 0, back.output
        same = runner.invoke(app, ["vectors", "sync", "--from", "local", "--to", "local"])
        assert same.exit_code != 0
    copy = asyncio.run(LocalVectorStore(second / "vectors.usearch").get_vectors(ids))
    np.testing.assert_array_equal(copy.vectors, vectors)


async def test_a_first_load_does_not_ask_an_empty_target_what_it_holds(
    make_store: Callable[[str], VectorStore], standin: TurbopufferStandin
) -> None:
    source, target = make_store("local"), make_store("turbopuffer")
    ids, vectors = _data(3)
    await source.upsert(ids, vectors)

    def lookups() -> int:
        return sum(
            1
            for r in standin.requests
            if r.path.endswith("/query") and (r.body or {}).get("filters", [None, None])[1] == "In"
        )

    await sync_stores(source, target, generation=MovesCounted(), read_batch=10)
    assert lookups() == 0  # nothing to compare with: 6 pages, no fetch
    assert await target.count() == N
    await sync_stores(source, target, generation=MovesCounted(), read_batch=10)
    assert lookups() == 6  # a re-run compares, page by page
    fresh = make_store("turbopuffer")
    await sync_stores(
        source, fresh, generation=MovesCounted(), read_batch=10, trust_empty_target=False
    )
    assert lookups() == 12  # the previous behaviour, kept for the benchmark
