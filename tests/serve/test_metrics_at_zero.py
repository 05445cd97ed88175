"""Every labelled counter is in ``/metrics`` at 0 before its first event (issue 20 item 7):
on a quiet ``segue serve`` with one worker (prometheus-client's default registry) and with
two (multi-process files), and on ``segue follow``'s own listener.

Real commands on free ports over an embedded catalog; nothing is asked of them but
``/readyz`` and ``/metrics``, so every count is still 0.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import httpx
import pytest
from prometheus_client import Counter
from prometheus_client.parser import text_string_to_metric_families

from segue import metrics
from segue.api._ratelimit import Budget
from segue.follow import MALFORMED, FollowResult
from segue.ingest.audio import EmbedResult
from segue.recommendations._admission import Degrade

from ..support import free_port, segue_binary, wait_for

# Seconds, generous: each process imports Segue, which takes many seconds on a loaded machine.
START_GUARD = 240.0
STOP_GUARD = 60.0

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def labelled_counters() -> list[Counter]:
    """Every counter with labels that segue.metrics defines."""
    found = [v for v in vars(metrics).values() if isinstance(v, Counter) and v._labelnames]
    assert found  # the walk itself must find something
    return found


def expected_zeros(counters: tuple[Counter, ...]) -> list[tuple[str, frozenset[tuple[str, str]]]]:
    out = []
    for counter in counters:
        known = metrics.KNOWN_LABELS[counter]
        [family] = counter.describe()
        name = family.name + "_total"
        for values in itertools.product(*known.values()):
            out.append((name, frozenset(zip(known, values, strict=True))))
    return out


def scrape(url: str) -> Samples:
    r = httpx.get(url, timeout=30, headers={"Connection": "close"})
    assert r.status_code == 200, r.text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def running(tmp: Path, env: dict[str, str], *args: str) -> Iterator[subprocess.Popen[bytes]]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SEGUE_", "PROMETHEUS_"))}
    environ |= {"SEGUE_UI_DIR": str(tmp / "no-ui"), "SEGUE_DATA_DIR": str(tmp / "data"), **env}
    with (tmp / "out.log").open("wb") as out:
        proc = subprocess.Popen(
            [segue_binary(), *args], env=environ, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_GUARD)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_every_labelled_counter_has_its_known_values() -> None:
    counters = labelled_counters()
    assert set(counters) == set(metrics.KNOWN_LABELS)
    for counter in counters:
        assert tuple(metrics.KNOWN_LABELS[counter]) == counter._labelnames
    # Each counter belongs to the processes that record it, and to nobody else.
    groups = (
        metrics.API_COUNTERS,
        metrics.FOLLOW_COUNTERS,
        metrics.BACKFILL_COUNTERS,
        metrics.EMBED_COUNTERS,
    )
    assert set().union(*map(set, groups)) == set(counters)
    assert sum(len(g) for g in groups) == len(counters)  # no counter in two groups


def test_the_known_values_are_those_the_code_labels_with() -> None:
    known = metrics.KNOWN_LABELS
    assert known[metrics.RECOMMENDATION_FALLBACKS]["reason"] == tuple(Degrade)
    assert known[metrics.RATE_LIMITED]["budget"] == tuple(Budget)
    results = known[metrics.FOLLOW_EVENTS]["result"]
    # FollowResult has its own MALFORMED (a change the database refused); the reader's is
    # the same value: each once.
    assert results == tuple(dict.fromkeys((*(r.value for r in FollowResult), MALFORMED)))
    assert known[metrics.EMBED_TRACKS]["result"] == get_args(EmbedResult)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_quiet_server_exports_every_known_value_at_zero(tmp_path: Path, workers: int) -> None:
    port = free_port()
    env = {"SEGUE_CACHE_BACKEND": "memory"}
    args = ("serve", "--workers", str(workers), "--port", str(port))
    with running(tmp_path, env, *args) as proc:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: proc.poll() is not None or ok(f"{url}/readyz"), "serve", START_GUARD)
        assert proc.poll() is None, (tmp_path / "out.log").read_text()
        # Under --workers 2 either worker answers, with the files of both: ask a few times.
        for _ in range(2 * workers):
            samples = scrape(f"{url}/metrics")
            for key in expected_zeros(metrics.API_COUNTERS):
                assert samples.get(key) == 0.0, f"{key} missing or not 0"
            follow = {name for name, _ in expected_zeros(metrics.FOLLOW_COUNTERS)}
            assert not any(name in follow for name, _ in samples), "follow's counters"


def test_segue_follow_exports_its_counters_at_zero(tmp_path: Path) -> None:
    metrics_port, nobody = free_port(), free_port()
    env = {"SEGUE_METRICS_PORT": str(metrics_port)}
    # Nothing listens on `nobody`: the follower keeps failing to connect, and reads nothing.
    with running(tmp_path, env, "follow", "--jetstream", f"ws://127.0.0.1:{nobody}") as proc:
        url = f"http://127.0.0.1:{metrics_port}/metrics"
        wait_for(lambda: proc.poll() is not None or ok(url), "segue follow", START_GUARD)
        assert proc.poll() is None, (tmp_path / "out.log").read_text()
        samples = scrape(url)
    for key in expected_zeros(metrics.FOLLOW_COUNTERS):
        name, labels = key
        if name == "segue_follow_connections_total" and ("result", "failed") in labels:
            assert key in samples  # failed connections may have been counted already
            continue
        assert samples.get(key) == 0.0, f"{key} missing or not 0"


def test_segue_embed_catalog_exports_its_counters_at_zero(tmp_path: Path) -> None:
    metrics_port = free_port()
    # A watching worker on an empty embedded catalog: nothing to embed, every count 0.
    env = {"SEGUE_METRICS_PORT": str(metrics_port), "SEGUE_CLAP_MODEL": str(tmp_path / "none")}
    with running(tmp_path, env, "embed", "--catalog", "--watch") as proc:
        url = f"http://127.0.0.1:{metrics_port}/metrics"

        def counted() -> bool:
            return proc.poll() is not None or (
                # a sample, not only the HELP line: the worker is past its start
                ok(url) and 'segue_embed_tracks_total{result="' in httpx.get(url, timeout=30).text
            )

        wait_for(counted, "segue embed --catalog", START_GUARD)
        assert proc.poll() is None, (tmp_path / "out.log").read_text()
        samples = scrape(url)
    for key in expected_zeros(metrics.EMBED_COUNTERS):
        assert samples.get(key) == 0.0, f"{key} missing or not 0"
    assert samples.get(("segue_embed_pending", frozenset())) == 0.0
