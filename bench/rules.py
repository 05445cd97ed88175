"""`python -m bench.rules [--part P]`: the measurements behind issue 14's defaults, as
Markdown for docs/evaluation.md, on the evaluation's development playlists.

* ``duplicates``: nearest-neighbour cosine distances of every catalog track, split by
  whether the neighbour has the same title key (the same song) or not: where the
  near-duplicate threshold (``SEGUE_NEAR_DUPLICATE_DISTANCE``) can sit.
* ``cost``: what the rules cost, paired, for adaptive and blend: no rules at all against
  all of them (near-identical vectors, title duplicates, at most 1 per artist in 3), and
  the artist variety alone (``SEGUE_MAX_PER_ARTIST`` 1 against 0, the other rules on).
* ``feedback``: dismissals as negatives against merely excluded (``segue eval
  --feedback``) for the default and for the stronger steering that was tried.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from segue.engine import get_strategy, normalize
from segue.evaluation import (
    DEFAULT_MODES,
    EvalData,
    Outcome,
    Rules,
    TrackMeta,
    build_store,
    evaluate,
    feedback_pairs,
    load_eval_data,
    parse_mode,
    read_tracks,
    summarize,
)

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "eval" / "spotify-playlists"
EDGES = (0.0, 1e-6, 1e-5, 1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2.0)


def duplicates(data: EvalData, meta: TrackMeta) -> str:
    unit = normalize(data.vectors)
    n = unit.shape[0]
    nearest = np.empty(n, np.int64)
    dist = np.empty(n, np.float32)
    for s in range(0, n, 2048):
        sims = unit[s : s + 2048] @ unit.T
        sims[np.arange(sims.shape[0]), np.arange(s, s + sims.shape[0])] = -np.inf
        j = sims.argmax(axis=1)
        nearest[s : s + 2048] = j
        dist[s : s + 2048] = 1.0 - sims[np.arange(j.size), j]
    keys = np.array(meta.keys)
    same = keys == keys[nearest]
    _, counts = np.unique(data.vectors, axis=0, return_counts=True)
    lines = [
        f"{n:,} tracks; {n - counts.size} rows repeat another row's vector exactly. Each "
        "track's nearest other track by cosine distance, by whether it has the same title "
        "key (the same song: `segue.engine.title_key`):",
        "",
        "| distance | same song | another song | share same | below its upper bound: same / "
        "another |",
        "|---|---:|---:|---:|---:|",
    ]
    for lo, hi in itertools.pairwise(EDGES):
        low = -np.inf if lo == 0.0 else lo  # float rounding puts exact copies a hair below 0
        m = (dist >= low) & (dist < hi)
        a, b = int((m & same).sum()), int((m & ~same).sum())
        below = dist < hi
        bound = "1" if hi > 1 else f"{hi:g}"
        lines.append(
            f"| [{lo:g}, {bound}) | {a} | {b} | {a / max(a + b, 1):.2f} | "
            f"{int((below & same).sum())} / {int((below & ~same).sum())} |"
        )
    return "\n".join(lines)


def _row(r: dict[str, Any], metrics: Sequence[str]) -> str:
    cells = []
    for m in metrics:
        if f"{m}_delta" in r:
            lo, hi = r[f"{m}_delta_ci"]
            cells.append(f"{r[m]:.4f} ({r[f'{m}_delta']:+.4f} [{lo:+.4f}, {hi:+.4f}])")
        else:
            lo, hi = r[f"{m}_ci"]
            cells.append(f"{r[m]:.4f} [{lo:.4f}, {hi:.4f}]")
    return f"| {r['mode']} | {r['strategy']} | " + " | ".join(cells) + " |"


async def cost(data: EvalData, meta: TrackMeta, store: Any) -> str:
    modes = [parse_mode(m) for m in DEFAULT_MODES]
    arms = {
        "no rules": Rules(near_duplicate_distance=0.0, meta=meta, apply_names=False),
        "rules, no variety": Rules(meta=meta, max_per_artist=0),
        "rules (default)": Rules(meta=meta),
    }
    metrics = ("HR@10", "R@50", "dup@10", "repeat@10")
    out = []
    for name in ("adaptive", "blend"):
        outcomes: list[Outcome] = []
        for arm, rules in arms.items():
            got = await evaluate(store, data, modes, {name: get_strategy(name)}, rules=rules)
            outcomes += [Outcome(o.mode, f"{name}, {arm}", o.playlists, o.values) for o in got]
        pairs = {
            f"{name}, rules (default)": f"{name}, no rules",
            f"{name}, rules, no variety": f"{name}, no rules",
        }
        rows = summarize(outcomes, pairs=pairs)
        variety = summarize(
            outcomes, pairs={f"{name}, rules (default)": f"{name}, rules, no variety"}
        )
        out += [_row(r, metrics) for r in rows]
        out += [
            _row(r | {"strategy": f"{name}: variety alone (vs no variety)"}, metrics)
            for r in variety
            if r["strategy"].endswith("(default)")
        ]
    head = (
        "Means [95% CI]; in brackets after a mean, its paired difference from `no rules` "
        "(the variety row: from `rules, no variety`).\n\n| mode | strategy, rules | "
        + " | ".join(metrics)
        + " |\n|---|---|"
        + "---:|" * len(metrics)
    )
    return head + "\n" + "\n".join(sorted(out, key=lambda line: line.split("|")[2]))


async def feedback(data: EvalData, meta: TrackMeta, store: Any) -> str:
    modes = [parse_mode(m) for m in DEFAULT_MODES]
    variants = {
        "default (copies demoted, radius 0.003)": Rules(meta=meta),
        "demote within 0.01": Rules(meta=meta, negative_radius=0.01),
        "demote within 0.03": Rules(meta=meta, negative_radius=0.03),
        "demote when nearer a negative (Qdrant best_score)": Rules(meta=meta, negative_radius=2.0),
        "push queries away, 0.1": Rules(meta=meta, negative_push=0.1, negative_radius=0.0),
        "push queries away, 0.3": Rules(meta=meta, negative_push=0.3, negative_radius=0.0),
    }
    lines = [
        "blend, HR@10 and R@50 of the answer after 3 dismissals: dismissals as negatives "
        "minus merely excluded, paired [95% CI].",
        "",
        "| variant | mode | excluded HR@10 | HR@10 difference | excluded R@50 | R@50 difference |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, rules in variants.items():
        got = await evaluate(
            store, data, modes, {"blend": get_strategy("blend")}, rules=rules, feedback=True
        )
        rows = summarize(got, pairs=feedback_pairs(["blend"]))
        base = {r["mode"]: r for r in rows if r["strategy"].endswith("excluded")}
        for r in rows:
            if not r["strategy"].endswith("negatives"):
                continue
            b = base[r["mode"]]
            cells = []
            for m in ("HR@10", "R@50"):
                lo, hi = r[f"{m}_delta_ci"]
                cells += [f"{b[m]:.4f}", f"{r[f'{m}_delta']:+.4f} [{lo:+.4f}, {hi:+.4f}]"]
            lines.append(f"| {name} | {r['mode']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


async def run(parts: Sequence[str], data_dir: Path) -> None:
    data = load_eval_data(
        data_dir / "vectors.npy", data_dir / "track_ids.txt", data_dir / "playlists.dev.jsonl"
    )
    meta = read_tracks(data_dir / "tracks.csv", data.track_ids)
    if "duplicates" in parts:
        print(duplicates(data, meta), "\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="segue-rules-") as tmp:
        async with await build_store(data, Path(tmp)) as store:
            if "cost" in parts:
                print(await cost(data, meta, store), "\n", flush=True)
            if "feedback" in parts:
                print(await feedback(data, meta, store), "\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rules", description=__doc__)
    parser.add_argument(
        "--part",
        action="append",
        choices=["duplicates", "cost", "feedback"],
        help="repeatable; default all",
    )
    parser.add_argument("--data", type=Path, default=DATA, help="the evaluation set's folder")
    args = parser.parse_args()
    asyncio.run(run(args.part or ["duplicates", "cost", "feedback"], args.data))


if __name__ == "__main__":
    main()
