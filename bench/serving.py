"""Serving throughput: `wrk -t2 -c64` against Segue and two reference apps, in one run.

    uv run python -m bench --only serving [--seconds 15] [--profile] [--markdown FILE]
        [--rows KEYS] [--rounds N]

Each row starts its server fresh as its own process (on a free loopback port), checks a
few answers (200, ``available: true``, 3 tracks: a benchmark of errors never looks fast),
warms it up with wrk, then measures it with wrk for ``--seconds``; rows run one after
the other, never together. They share one dataset: a PostgreSQL database of the run's own
(dropped after), a Redis key prefix of its own (deleted after) and the cached local index
of 100k 512-d tracks; 64 owners with one playlist each (1-50 tracks), each request
``/playlists/{id}/recommendations?limit=3`` with its owner's token, in rotation. The
cache is filled once before the rows by a Segue server, so the reference app and the hit
rows read the same entries.

The ``hit-jwt`` row sends the same requests with ATProto service-auth JWTs instead of
Segue tokens: each owner has a secp256k1 key whose DID document a PLC stand-in on loopback
serves (``bench/_service_auth.py``), and signs one token (ES256K, 5 minutes) just before
the row starts; Segue verifies each once and remembers it until it expires, as it does a
Segue token for ``SEGUE_TOKEN_CACHE_SECONDS``.

``--profile`` runs the Segue cache-hit row a second time under py-spy and prints the top
functions by self time (the file opens in speedscope.app).

``--rounds N`` measures the chosen rows N times, every other round in the reverse order
(A B, B A, A B, ...): on a shared machine a run drifts (the same row's CPU per request has
moved by up to half between runs here), and rows measured minutes apart carry that drift
into their ratio. Each ratio is then given per round and as the median of the rounds; the
table lists every round's rows.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from pydantic import ValidationError

from segue.engine import DEFAULT_STRATEGY
from segue.settings import Settings

from ._dataset import (
    CACHE_DIR,
    Catalog,
    build_index,
    catalog_spec,
    seeded_database,
    with_dtype,
)
from ._profile import Profile, py_spy
from ._server import (
    POSTGRES_ADMIN_URL,
    REDIS_URL,
    cpu_seconds,
    load_average,
    redis_prefix,
    running,
    segue_command,
)
from ._service_auth import SERVICE_DID, plc_standin, service_jwt
from ._timing import machine
from ._wrk import CONNECTIONS, THREADS, TIMEOUT, WrkResult, run_wrk, wrk_path
from .endpoint import SIZES
from .loadtest import scrape_metrics

__all__ = ["ROWS", "Row", "run"]

PLAYLISTS = 64  # one owner each, as many as wrk's connections
LIMIT = 3
CHECKS = 4  # answers checked before a row is measured
WARMUP_SECONDS = 3  # of wrk, not measured: pools, the index's pages, code paths
REQUEST_TIMEOUT = 30.0
# Segue's default (250 ms since issue 11: 50 ms tripped the cache's circuit breaker on a
# loaded event loop, and the "hit" row then measured misses). The reference app reads it too.
REDIS_TIMEOUT_MS = Settings().redis_timeout_ms


def _uvicorn(app: str) -> Callable[[int, Path], list[str]]:
    # uvicorn's defaults, as `segue serve` runs it: one process, access log on.
    return lambda port, _: [sys.executable, "-m", "uvicorn", app, "--port", str(port)]


def _factory(app: str) -> Callable[[int, Path], list[str]]:
    # An app factory reading SEGUE_DATA_DIR (set for every row), uvicorn's defaults.
    return lambda port, _: [
        sys.executable, "-m", "uvicorn", "--factory", app, "--port", str(port)
    ]  # fmt: skip


def _segue(*extra: str) -> Callable[[int, Path], list[str]]:
    return lambda port, data_dir: segue_command(port, data_dir, *extra)


def _option(name: str) -> Callable[[], str | None]:
    """Why ``segue serve`` cannot run with ``name`` here, or ``None`` when it can."""

    def probe() -> str | None:
        helped = subprocess.run(
            [*segue_command(0, Path("."))[:2], "--help"], capture_output=True, text=True
        )
        return None if name in helped.stdout else f"`segue serve --help` lists no {name}"

    return probe


def _setting(name: str, value: str) -> Callable[[], str | None]:
    """Why Segue's settings refuse ``name=value`` here, or ``None`` when they accept it."""

    def probe() -> str | None:
        if name not in Settings.model_fields:
            return f"segue.settings.Settings has no {name}"
        try:
            Settings.model_validate({name: value})
        except ValidationError as exc:
            return f"Settings refuse {name}={value}: {exc.errors()[0]['msg']}"
        return None

    return probe


@dataclass(frozen=True, slots=True)
class Row:
    """One server to measure: ``command(port, data_dir)``, its environment, when it runs."""

    key: str  # what the ratios refer to
    name: str
    command: Callable[[int, Path], list[str]]
    env: dict[str, str] = field(default_factory=dict)
    requires: Callable[[], str | None] = lambda: None  # why it cannot run here, or None
    #: the row serves an index built in this type, in a data dir of its own
    dtype: str | None = None
    #: how its requests authenticate: "token" (the owners' Segue tokens) or "service"
    #: (service-auth JWTs the owners' keys sign just before the row)
    auth: str = "token"


_NO_CACHE = {"SEGUE_CACHE_BACKEND": "none"}
_LIMITS_ON = {
    "SEGUE_RATE_LIMITS": "on",
    "SEGUE_RATE_LIMIT_READS_PER_MINUTE": "1000000000",
    "SEGUE_RATE_LIMIT_MISSES_PER_MINUTE": "1000000000",
}
_FALLBACKS = "segue_recommendation_fallbacks_total"
ROWS = (
    Row("bare", "bare FastAPI, fixed JSON body (reference)", _uvicorn("bench._apps.bare:app")),
    Row("reference", "asyncpg + redis-py, a hit's 4 round trips (reference)",
        _uvicorn("bench._apps.reference:app")),
    Row("hit", "Segue, cache hit, 1 worker", _segue()),
    # The same hits, each owner calling with an ATProto service-auth JWT (issue 23).
    Row("hit-jwt", "Segue, cache hit, 1 worker, service-auth JWTs (ES256K)", _segue(),
        requires=_setting("service_did", SERVICE_DID), auth="service"),
    Row("hit2", "Segue, cache hit, 2 workers", _segue("--workers", "2"),
        requires=_option("--workers")),
    # What the per-token limits cost a hit (one Redis round trip), with budgets wrk cannot
    # spend, so every answer is still a 200.
    Row("hit-limited", "Segue, cache hit, 1 worker, rate limits on (budgets out of reach)",
        _segue(), _LIMITS_ON, requires=_setting("rate_limits", "on")),
    Row("miss", f"Segue, cache miss, {DEFAULT_STRATEGY} (default; cache off)", _segue(), _NO_CACHE),
    Row("miss2", f"Segue, cache miss, {DEFAULT_STRATEGY}, 2 workers (cache off)",
        _segue("--workers", "2"), _NO_CACHE, requires=_option("--workers")),
    Row("adaptive", "Segue, cache miss, adaptive (cache off)", _segue(),
        {**_NO_CACHE, "SEGUE_STRATEGY": "adaptive"}),
    Row("miss-f32", f"Segue, cache miss, {DEFAULT_STRATEGY} as before issue 11 (f32 graph, "
        "16 queries; cache off)", _factory("bench._apps.previous:app"), _NO_CACHE,
        requires=_setting("local_index_dtype", "f32"), dtype="f32"),
)  # fmt: skip
# (numerator, denominator): the figures issue 11 sets targets on.
RATIOS = (
    ("hit", "reference"),
    ("hit-jwt", "hit"),
    ("hit", "bare"),
    ("reference", "bare"),
    ("hit2", "hit"),
    ("hit-limited", "hit"),
    ("miss2", "miss"),
    ("adaptive", "miss"),
    ("miss-f32", "miss"),
)
# A log line below WARNING: uvicorn's own ("INFO:     ..."), or Segue's text format
# ("2026-12-07 15:10:44,123 INFO:     [pid] segue.access: ...", api/_logging.py).
_QUIET = re.compile(r"^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ )?(?:INFO|DEBUG):")

# Answers the rows are checked for; the reference and the hit rows read the same entries.
_SAME_ANSWERS = ("reference", "hit", "hit2", "hit-limited", "hit-jwt")


@dataclass
class Outcome:
    row: Row
    result: WrkResult | None = None
    skipped: str | None = None
    loads: tuple[str, str] = ("", "")
    cpu: float = 0.0  # the server's CPU seconds during the measured run
    checked: list[list[int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # the server's own log lines
    #: recommendations answered with the cheaper fallback plan (Segue's /metrics), if known
    fallbacks: int | None = None
    round: int = 1  # of --rounds

    @property
    def rate(self) -> float:
        return self.result.requests_per_second if self.result is not None else 0.0

    @property
    def cpu_ms(self) -> float:
        """The server's CPU milliseconds per request (all its processes)."""
        return (
            1e3 * self.cpu / self.result.requests if self.result and self.result.requests else 0.0
        )

    @property
    def failed(self) -> bool:
        """Most answers were errors (or, where the cache was filled, ``available: false``)."""
        r = self.result
        if r is None:
            return False
        bad = r.errors + (r.unavailable if self.row.key in _SAME_ANSWERS else 0)
        return bad * 2 > r.requests


def _path(playlist: str) -> str:
    return f"/playlists/{playlist}/recommendations?limit={LIMIT}"


def _check(base: str, targets: Sequence[tuple[str, str]]) -> list[list[int]]:
    """The ids of each answer; :class:`RuntimeError` unless each is 200, available, 3 tracks."""
    answers = []
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
        for path, token in targets:
            r = client.get(path, headers={"Authorization": f"Bearer {token}"})
            body = r.json() if r.status_code == 200 else {}
            tracks = body.get("tracks", [])
            if r.status_code != 200 or body.get("available") is not True or len(tracks) != LIMIT:
                raise RuntimeError(f"GET {path}: {r.status_code} {r.text[:300]}")
            answers.append([t["id"] for t in tracks])
    return answers


@dataclass(frozen=True, slots=True)
class ServiceAuth:
    """What the service-auth row needs: the PLC stand-in's URL and each owner's key."""

    plc_url: str
    keys: dict[str, Any]
    dids: list[str]  # in the order of the targets

    def targets(self, paths: Sequence[str]) -> list[tuple[str, str]]:
        """The same paths, each with a fresh JWT of its owner (valid 5 minutes)."""
        pairs = zip(paths, self.dids, strict=True)
        return [(path, service_jwt(did, self.keys[did])) for path, did in pairs]

    @property
    def env(self) -> dict[str, str]:
        return {"SEGUE_SERVICE_DID": SERVICE_DID, "SEGUE_PLC_URL": self.plc_url}


def _measure_row(
    row: Row,
    spec: Catalog,
    env: dict[str, str],
    targets: list[tuple[str, str]],
    seconds: int,
    profile: Profile | None,
    service: ServiceAuth,
) -> Outcome:
    outcome = Outcome(row)
    reason = row.requires()
    if reason is not None:
        outcome.skipped = f"not available: {reason}"
        return outcome
    if row.auth == "service":
        # Signed now: the row (start, checks, warm-up, measure) fits in their 5 minutes.
        targets = service.targets([path for path, _ in targets])
        env = {**env, **service.env}
    log = CACHE_DIR / f"serving-{row.key}.log"
    log.unlink(missing_ok=True)
    print(f"serving: {row.name} (log: {log})", file=sys.stderr, flush=True)
    command = row.command
    data_dir = with_dtype(spec, row.dtype).data_dir if row.dtype else spec.data_dir
    row_env = {**env, "SEGUE_DATA_DIR": str(data_dir), **row.env}
    with running(lambda port: command(port, data_dir), row_env, log) as (base, pid):
        if row.key != "bare":
            outcome.checked = _check(base, targets[:CHECKS])
        run_wrk(base, targets, seconds=WARMUP_SECONDS)
        before, cpu = load_average(), cpu_seconds(pid)
        outcome.result = run_wrk(base, targets, seconds=seconds)
        outcome.cpu = cpu_seconds(pid) - cpu
        outcome.loads = (before, load_average())
        # Degrading under load mixes cheaper answers into a miss row: say how many.
        metrics = scrape_metrics(base)
        if not isinstance(metrics, str):
            outcome.fallbacks = round(sum(metrics[_FALLBACKS].values()))
        if profile is not None:
            with py_spy(pid, seconds=seconds, out=profile.path) as recorded:
                under = run_wrk(base, targets, seconds=seconds)
            profile.error = recorded.error
            profile.stderr.append(f"{under.requests_per_second:,.0f} requests/s under py-spy")
    # Anything but INFO and DEBUG lines (uvicorn's bare ones, Segue's timestamped access
    # lines): Segue's warnings (a Redis timeout, a slow store), and any traceback.
    outcome.warnings = [x for x in log.read_text().splitlines() if not _QUIET.match(x)]
    return outcome


def _fill_cache(spec: Catalog, env: dict[str, str], targets: list[tuple[str, str]]) -> None:
    """Every playlist's recommendations computed once by Segue, then read back as hits."""
    with running(
        lambda port: segue_command(port, spec.data_dir), env, CACHE_DIR / "serving-fill.log"
    ) as (base, _):
        with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
            for path, token in targets:  # one at a time: no miss waits past the store timeout
                client.get(path, headers={"Authorization": f"Bearer {token}"})
        _check(base, targets)


def _ratios(rounds: list[list[Outcome]]) -> list[str]:
    """Each ratio of :data:`RATIOS` whose rows were measured: of one round, or the median of
    the rounds with each round's figure after it."""
    names = {row.key: row.name for row in ROWS}
    measured = [
        {o.row.key: o for o in outcomes if o.result is not None and o.result.requests}
        for outcomes in rounds
    ]
    pairs = [(a, b) for a, b in RATIOS if all(a in m and b in m for m in measured)]

    def line(what: str, a: str, b: str, values: list[float]) -> str:
        text = f"- {what}, {names[a]} / {names[b]}: **{statistics.median(values):.2f}x**"
        if len(values) > 1:
            text += f" (median of {len(values)} rounds: {', '.join(f'{v:.2f}' for v in values)})"
        return text

    return [
        *(line("requests/s", a, b, [m[a].rate / m[b].rate for m in measured]) for a, b in pairs),
        *(
            line("server CPU per request", a, b, [m[a].cpu_ms / m[b].cpu_ms for m in measured])
            for a, b in pairs
            if all(m[b].cpu_ms for m in measured)
        ),
    ]


def _table(rounds: list[list[Outcome]]) -> list[str]:
    outcomes = [o for r in rounds for o in r]
    lines = [
        "| server | requests/s | p50 ms | p99 ms | server CPU ms/request | non-2xx "
        "| socket errors | available: false | fallback plan | load before / after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for o in outcomes:
        r = o.result
        name = o.row.name if len(rounds) == 1 else f"{o.row.name} (round {o.round})"
        if r is None:
            lines.append(f"| {name} | {o.skipped} | | | | | | | | |")
            continue
        lines.append(
            f"| {name} | {o.rate:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {o.cpu_ms:.2f} "
            f"| {r.non_2xx:,} | {r.socket_errors:,} | {r.unavailable:,} "
            f"| {'-' if o.fallbacks is None else f'{o.fallbacks:,}'} "
            f"| {o.loads[0]} / {o.loads[1]} |"
        )
    notes = [
        f"- {o.row.name}: {len(o.warnings):,} warnings in the server's log, first: "
        f"`{o.warnings[0]}`"
        for o in outcomes
        if o.warnings
    ]
    if notes:
        notes = ["", "Server logs (a Redis timeout in a hit row means it measured misses too):",
                 "", *notes]  # fmt: skip
    return [*lines, "", "Ratios (this run):", "", *_ratios(rounds), *notes]


def _answers_agree(outcomes: list[Outcome]) -> str | None:
    checked = {o.row.key: o.checked for o in outcomes if o.row.key in _SAME_ANSWERS and o.checked}
    if len({str(ids) for ids in checked.values()}) > 1:
        return f"the reference and the hit rows answered different tracks: {checked}"
    return None


async def _measure(
    spec: Catalog, seconds: int, profile: Profile | None, rows: Sequence[Row], rounds: int
) -> tuple[list[list[Outcome]], str]:
    rng = np.random.default_rng(5)
    visible = spec.visible_ids
    lists = [[rng.choice(visible, size=SIZES[i % len(SIZES)], replace=False).tolist()]
             for i in range(PLAYLISTS)]  # fmt: skip
    async with seeded_database(POSTGRES_ADMIN_URL, spec, lists) as (url, owners):
        targets = [(_path(o.playlists[0]), o.token) for o in owners]
        dids = [o.did for o in owners]
        with redis_prefix() as prefix, plc_standin(dids) as (plc_url, keys):
            service = ServiceAuth(plc_url, keys, dids)
            env = {
                "SEGUE_DATABASE_URL": url,
                "SEGUE_REDIS_URL": REDIS_URL,
                "SEGUE_CACHE_PREFIX": prefix,
                # The per-token rate limits (issue 13) would answer most of wrk's requests
                # with a 429; a Segue without them ignores the variable.
                "SEGUE_RATE_LIMITS": "off",
                "SEGUE_REDIS_TIMEOUT_MS": str(REDIS_TIMEOUT_MS),
                "SEGUE_UI_DIR": str(spec.data_dir / "no-ui"),
            }
            print("serving: rate limits off (SEGUE_RATE_LIMITS=off) but in the row that says on",
                  file=sys.stderr, flush=True)  # fmt: skip
            print("serving: filling the cache", file=sys.stderr, flush=True)
            _fill_cache(spec, env, targets)
            before = load_average()
            measured = []
            for n in range(1, rounds + 1):
                outcomes = [
                    _measure_row(
                        row,
                        spec,
                        env,
                        targets,
                        seconds,
                        profile if row.key == "hit" and n == 1 else None,
                        service,
                    )
                    for row in _in_order(rows, n)
                ]
                for o in outcomes:
                    o.round = n
                measured.append(outcomes)
            loads = f"{before} / {load_average()}"
    return measured, loads


def run(
    seconds: int = 15,
    *,
    profile: bool = False,
    markdown: Path | None = None,
    n_tracks: int = 100_000,
    dim: int = 512,
    rows: Sequence[str] | None = None,
    rounds: int = 1,
) -> str:
    """Markdown: one row per server (`wrk -t2 -c64 -d{seconds}s`) and round, then the ratios
    (with ``rounds`` > 1, each the median of the rounds, which alternate the rows' order).

    :class:`RuntimeError` (after printing the table) when most answers of a row were errors.
    """
    wrk_path()  # before minutes of setup: the fix is `make bench`
    chosen = _chosen(rows)
    spec = catalog_spec(n_tracks, dim)
    build_index(spec)
    for dtype in {row.dtype for row in chosen if row.dtype and row.requires() is None}:
        build_index(with_dtype(spec, dtype), dtype=dtype)
    recorded = Profile(CACHE_DIR / "serving-hit-profile.txt") if profile else None
    if rounds < 1:
        raise SystemExit(f"--rounds takes 1 or more, not {rounds}")
    measured, loads = asyncio.run(_measure(spec, seconds, recorded, chosen, rounds))
    outcomes = [o for r in measured for o in r]
    text = "\n".join(
        [
            f"Serving throughput: `wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s --latency "
            f"--timeout {TIMEOUT}` on loopback, each server fresh and warmed up "
            f"({WARMUP_SECONDS} s of wrk), one after the other"
            + ("" if rounds == 1 else f", {rounds} rounds in alternating order")
            + f"; {PLAYLISTS} owners' playlists "
            f"of {min(SIZES)}-{max(SIZES)} tracks in rotation, limit={LIMIT}, PostgreSQL, "
            f"Redis, local HNSW index of {n_tracks:,} {dim}-d tracks; single uvicorn process "
            "unless said otherwise, access log on as `segue serve` has it; rate limits off "
            "(SEGUE_RATE_LIMITS=off) unless said otherwise; Redis timeout "
            f"{REDIS_TIMEOUT_MS} ms (Segue's default) "
            "for Segue and the reference. wrk runs on the same cores as the server. Load "
            "average "
            f"(1, 5, 15 min) over the whole run: {loads}.",
            "",
            *_table(measured),
        ]
    )
    if markdown is not None:
        markdown.write_text(f"Machine: {machine()}\n\n{text}\n")
    if recorded is not None:
        text += "\n\n" + "\n".join([recorded.summary(), *recorded.stderr])
    failed = [o.row.name for o in outcomes if o.failed]
    disagree = _answers_agree(outcomes)
    if failed or disagree:
        print(text, flush=True)
        problem = f"most answers were errors: {', '.join(failed)}" if failed else disagree
        raise RuntimeError(f"the serving benchmark is not valid: {problem}")
    return text


def _in_order(rows: Sequence[Row], n: int) -> Sequence[Row]:
    """Round ``n``'s order (from 1): A B, B A, A B, ... so that drift favours no row."""
    return rows if n % 2 else rows[::-1]


def _chosen(keys: Sequence[str] | None) -> list[Row]:
    """The rows named by ``keys`` (``--rows``), in ``ROWS``' order; all by default."""
    if keys is None:
        return list(ROWS)
    unknown = set(keys) - {row.key for row in ROWS}
    if unknown:
        raise SystemExit(f"no such serving rows: {', '.join(sorted(unknown))}")
    return [row for row in ROWS if row.key in keys]


if __name__ == "__main__":
    print(f"Machine: {machine()}\n")
    print(run())
