"""wrk, driven from Python: a Lua script rotating over (path, token) pairs, parsed results.

    result = run_wrk(base, [("/playlists/x/recommendations?limit=3", token)], seconds=15)
    result.requests_per_second, result.p50_ms, result.non_2xx

wrk (Debian's package; `make bench` installs it) keeps 64 connections busy from two
threads in C, so the client costs far less CPU than the server it measures. Its Lua
``done`` hook prints one ``BENCH`` line of key=value pairs, which is what is parsed here.
Every response is also checked for ``"available":false`` (counted, not an error).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CONNECTIONS", "THREADS", "TIMEOUT", "WrkResult", "run_wrk", "wrk_path"]

THREADS = 2
CONNECTIONS = 64
TIMEOUT = "10s"  # wrk's default of 2 s would drop a loaded miss's answers from the latencies

# Each thread starts at its own offset, so the two do not ask for the same playlist at once.
_SCRIPT = """
local requests = %(requests)s
local threads = {}

function setup(thread)
  thread:set("offset", #threads * 31)
  table.insert(threads, thread)
end

function init(args)
  formatted = {}
  for i, r in ipairs(requests) do
    formatted[i] = wrk.format("GET", r[1], {["Authorization"] = "Bearer " .. r[2]})
  end
  n = offset or 0
  unavailable = 0
end

function request()
  n = n + 1
  return formatted[(n %% #formatted) + 1]
end

function response(status, headers, body)
  if status == 200 and string.find(body, '"available":false', 1, true) then
    unavailable = unavailable + 1
  end
end

function done(summary, latency, requests)
  local unavailable_total = 0
  for _, thread in ipairs(threads) do
    unavailable_total = unavailable_total + thread:get("unavailable")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%%d duration_us=%%d non_2xx=%%d connect=%%d read=%%d write=%%d " ..
    "timeout=%%d p50_us=%%d p99_us=%%d max_us=%%d unavailable=%%d\\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, unavailable_total))
end
"""


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    seconds: float
    non_2xx: int
    socket_errors: int  # connect, read, write and timeout errors together
    p50_ms: float
    p99_ms: float
    max_ms: float
    unavailable: int  # 200 answers saying available: false

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def wrk_path() -> str:
    """The wrk executable; :class:`RuntimeError` naming the fix when it is not installed."""
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    return path


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII text is a valid Lua string literal


def _script(targets: Sequence[tuple[str, str]]) -> str:
    entries = ", ".join(f"{{{_lua_string(p)}, {_lua_string(t)}}}" for p, t in targets)
    return _SCRIPT % {"requests": "{" + entries + "}"}


def parse(output: str) -> WrkResult:
    """The ``BENCH`` line of wrk's output (printed by the script's ``done``)."""
    line = next((x for x in output.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no BENCH line:\n{output}")
    v = {k: int(n) for k, n in (pair.split("=") for pair in line.split()[1:])}
    return WrkResult(
        requests=v["requests"],
        seconds=v["duration_us"] / 1e6,
        non_2xx=v["non_2xx"],
        socket_errors=v["connect"] + v["read"] + v["write"] + v["timeout"],
        p50_ms=v["p50_us"] / 1e3,
        p99_ms=v["p99_us"] / 1e3,
        max_ms=v["max_us"] / 1e3,
        unavailable=v["unavailable"],
    )


def run_wrk(base_url: str, targets: Sequence[tuple[str, str]], *, seconds: int) -> WrkResult:
    """``wrk -t2 -c64 -d{seconds}s --latency`` over ``targets`` ((path, bearer token) pairs)."""
    with tempfile.TemporaryDirectory(prefix="segue-wrk-") as tmp:
        script = Path(tmp) / "rotate.lua"
        script.write_text(_script(targets))  # holds the tokens: removed with the directory
        args = [wrk_path(), f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
        args += ["--timeout", TIMEOUT, "-s", str(script), base_url]
        done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited with {done.returncode}: {done.stderr or done.stdout}")
    return parse(done.stdout)
