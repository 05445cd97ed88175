"""`python -m bench [--million] [--only PART]`: prints Markdown for docs/benchmarks.md.

The serving part takes ``--seconds`` (per row), ``--profile``, ``--rows``, ``--rounds`` and
``--markdown FILE``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from segue._runtime import single_threaded_blas

from . import (
    backfill,
    because,
    cli_startup,
    cooccurrence,
    embed_catalog,
    embed_follow,
    endpoint,
    engine,
    index,
    ingest,
    million,
    misses,
    serving,
    strategies,
    turbopuffer_costs,
    turbopuffer_requests,
)
from ._timing import machine


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--million",
        action="store_true",
        help="also the 1M-vector index (slow; same as --only million)",
    )
    parser.add_argument(
        "--only",
        choices=[
            "engine",
            "index",
            "strategies",
            "because",
            "cooccurrence",
            "ingest",
            "backfill",
            "embed",
            "cli",
            "endpoint",
            "serving",
            "turbopuffer",
            "million",
        ],
        help="run one part only",
    )
    parser.add_argument(
        "--seconds", type=int, default=15, help="serving: seconds of wrk per row (default 15)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="serving: py-spy on the Segue cache-hit row"
    )
    parser.add_argument(
        "--rows",
        metavar="KEYS",
        help="serving: only these rows, comma-separated keys (e.g. reference,hit,hit-limited)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        metavar="N",
        help="serving: measure the rows N times, every other round in reverse order; each "
        "ratio is the median of the rounds (default 1)",
    )
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="serving: also write its table to FILE"
    )
    args = parser.parse_args()
    single_threaded_blas()
    print(f"Machine: {machine()}\n")
    if args.only in (None, "engine"):
        print(engine.run(), "\n", flush=True)
    if args.only in (None, "strategies"):
        print(strategies.run(), "\n", flush=True)
    if args.only in (None, "because"):
        print(because.run(), "\n", flush=True)
    if args.only in (None, "cooccurrence"):
        print(cooccurrence.run(), "\n", flush=True)
    if args.only in (None, "index"):
        print(index.run((10_000, 100_000)), "\n", flush=True)
        print(misses.run(), "\n", flush=True)
    if args.only in (None, "ingest"):
        print(ingest.run(), "\n", flush=True)
    if args.only in (None, "backfill"):
        print(backfill.run(), "\n", flush=True)
    if args.only in (None, "embed"):
        print(embed_catalog.run(), "\n", flush=True)
        print(embed_follow.run(), "\n", flush=True)
    if args.only in (None, "cli"):
        print(cli_startup.run(), "\n", flush=True)
    if args.only in (None, "endpoint"):
        print(endpoint.run(), "\n", flush=True)
    if args.only in (None, "turbopuffer"):
        # The stand-in on loopback: requests and bytes are exact, seconds are this machine's.
        turbopuffer_requests.run()
        print(turbopuffer_costs.run(), "\n", flush=True)
    if args.only in (None, "serving"):
        rows = args.rows.split(",") if args.rows else None
        print(
            serving.run(
                args.seconds,
                profile=args.profile,
                markdown=args.markdown,
                rows=rows,
                rounds=args.rounds,
            ),
            "\n",
        )
    if args.only == "million" or args.million:
        print(million.run(), "\n", flush=True)


if __name__ == "__main__":
    main()
