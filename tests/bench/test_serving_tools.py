"""The serving benchmark's instruments: wrk's Lua script and parser, py-spy's aggregation.

wrk runs for real against the bare reference app (skipped, and says so, when wrk is not
installed: `make bench` installs it); no test asserts a speed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from bench._profile import top_functions
from bench._server import cpu_seconds, running
from bench._wrk import WrkResult, parse, run_wrk
from bench.serving import ROWS, Outcome, _in_order, _ratios


def _bare(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "bench._apps.bare:app", "--port", str(port)]


def test_parse_reads_the_done_hook_line() -> None:
    out = (
        "Running 1s test @ http://127.0.0.1:1\n"
        "BENCH requests=500 duration_us=2000000 non_2xx=7 connect=1 read=2 write=0 "
        "timeout=3 p50_us=1500 p99_us=9000 max_us=12000 unavailable=4\n"
    )
    r = parse(out)
    assert (r.requests, r.non_2xx, r.socket_errors, r.unavailable) == (500, 7, 6, 4)
    assert r.requests_per_second == 250.0
    assert (r.p50_ms, r.p99_ms, r.max_ms) == (1.5, 9.0, 12.0)
    assert r.errors == 13


def test_parse_refuses_output_without_the_line() -> None:
    with pytest.raises(RuntimeError, match="no BENCH line"):
        parse("Running 1s test @ http://127.0.0.1:1\n")


def test_wrk_counts_answers_non_2xx_and_unavailable(tmp_path: Path) -> None:
    with running(_bare, {}, tmp_path / "bare.log") as (base, pid):
        ok = run_wrk(base, [("/playlists/a/recommendations?limit=3", "t1")], seconds=1)
        missing = run_wrk(base, [("/nowhere", "t1"), ("/nowhere/else", "t2")], seconds=1)
        assert cpu_seconds(pid) > 0
    assert ok.requests > 0
    assert ok.non_2xx == ok.unavailable == 0
    assert missing.requests > 0
    assert missing.non_2xx == missing.requests
    # Both paths were asked for: the script rotates over its targets.
    log = (tmp_path / "bare.log").read_text()
    assert '"GET /nowhere HTTP/1.1" 404' in log
    assert '"GET /nowhere/else HTTP/1.1" 404' in log


def test_top_functions_by_self_time_package_and_segue_inclusive() -> None:
    root = 'process 1:"segue serve";main (segue/cli/__init__.py:3)'
    raw = "\n".join(
        [
            f"{root};get (segue/cache/_redis.py:9);execute (asyncpg/connection.py:10) 6",
            f"{root};get (segue/cache/_redis.py:12) 2",
            "run (asyncio/runners.py:1) 2",
        ]
    )
    top_self, segue, packages, samples = top_functions(raw)
    assert samples == 10
    assert top_self[0] == ("execute (asyncpg/connection.py)", 60.0)
    # Two lines of one function add up; the CLI frame that holds everything is left out.
    assert segue == [("get (segue/cache/_redis.py)", 80.0)]
    assert dict(packages) == {"asyncpg": 60.0, "segue": 20.0, "asyncio": 20.0}


def test_server_log_warnings_leave_out_info_lines_of_both_formats() -> None:
    # The serving report counts a server's warnings; Segue's timestamped access lines are
    # INFO, like uvicorn's bare ones, and must not count (they did: every request was one).
    from bench.serving import _QUIET

    info = [
        "INFO:     Started server process [7]",
        "2026-12-07 15:10:44,123 INFO:     [7] segue.access: GET /",
    ]
    loud = [
        "2026-12-07 15:10:44,123 WARNING:  [7] segue.cache: Redis timed out",
        "Traceback (most recent call last):",
    ]
    assert all(_QUIET.match(line) for line in info)
    assert not any(_QUIET.match(line) for line in loud)


def _outcome(key: str, requests: int, cpu: float, n: int) -> Outcome:
    row = next(r for r in ROWS if r.key == key)
    result = WrkResult(requests, 10.0, 0, 0, 1.0, 2.0, 3.0, 0)
    return Outcome(row, result, cpu=cpu, round=n)


def test_rounds_alternate_the_rows_order_and_ratios_take_the_median() -> None:
    hit, limited = (next(r for r in ROWS if r.key == k) for k in ("hit", "hit-limited"))
    assert [list(_in_order([hit, limited], n)) for n in (1, 2, 3)] == [
        [hit, limited],
        [limited, hit],
        [hit, limited],
    ]
    rounds = [
        [_outcome("hit", 1000, 1.0, 1), _outcome("hit-limited", 900, 1.0, 1)],
        [_outcome("hit-limited", 1100, 1.0, 2), _outcome("hit", 1000, 1.0, 2)],
        [_outcome("hit", 1000, 1.0, 3), _outcome("hit-limited", 980, 1.2, 3)],
    ]
    lines = _ratios(rounds)
    rate = next(x for x in lines if x.startswith("- requests/s") and "rate limits on" in x)
    assert "**0.98x** (median of 3 rounds: 0.90, 1.10, 0.98)" in rate
    cpu = next(x for x in lines if x.startswith("- server CPU") and "rate limits on" in x)
    # 1.0 s over 900 requests is 1.11 ms against 1.0 ms; 0.91x; 1.2 s / 980: 1.22 ms, 1.22x
    assert "(median of 3 rounds: 1.11, 0.91, 1.22)" in cpu
    assert "**1.11x**" in cpu
    single = _ratios(rounds[:1])
    assert any(x.endswith("**0.90x**") for x in single)  # one round: no list after it
