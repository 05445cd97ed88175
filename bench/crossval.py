"""`python -m bench.crossval [--folds K]`: k-fold cross-validation of the strategy
constants on the evaluation's development playlists (docs/evaluation.md, "Cross-validated").

Every candidate runs once on every playlist and mode, with the service's rules on
(near-identical vectors, title duplicates, artist variety); then, for each fold, the
constants are chosen on the other folds (segue.evaluation.cross_validate) and the
chosen candidate's figures on the fold's own playlists are kept. Prints the candidates'
objective per fold, the choices, and the cross-validated figures against adaptive.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import numpy as np

from segue.engine import Strategy, get_strategy
from segue.evaluation import (
    BASELINE,
    DEFAULT_MODES,
    METRICS,
    RATES,
    Outcome,
    Rules,
    build_store,
    cross_validate,
    evaluate,
    load_eval_data,
    markdown_tables,
    parse_mode,
    read_tracks,
    summarize,
)

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "eval" / "spotify-playlists"


def candidates() -> dict[str, Strategy]:
    """Simplest first: fewer queries x neighbours (the cost of a miss), then the usual
    RRF k; the other strategies after blend's grid, each at its defaults."""
    grid: list[tuple[int, int, int]] = [
        (q, pool, k) for q in (4, 8, 16) for pool in (50, 100, 200) for k in (60, 20)
    ]
    grid.sort(key=lambda c: (c[0] * c[1], c[2] != 60))
    out: dict[str, Strategy] = {"centroid": get_strategy("centroid")}
    for q, pool, k in grid:
        out[f"blend q={q} pool={pool} k={k}"] = get_strategy(
            "blend", max_queries=q, pool=pool, rrf_k=k
        )
    out["clusters"] = get_strategy("clusters")
    out["softmax"] = get_strategy("softmax")
    return out


async def run(folds: int, data_dir: Path, cache: Path | None = None) -> None:
    data = load_eval_data(
        data_dir / "vectors.npy", data_dir / "track_ids.txt", data_dir / "playlists.dev.jsonl"
    )
    rules = Rules(meta=read_tracks(data_dir / "tracks.csv", data.track_ids))
    modes = [parse_mode(m) for m in DEFAULT_MODES]
    strategies = {BASELINE: get_strategy(BASELINE), **candidates()}
    if cache is not None and cache.is_file():  # noqa: ASYNC240 - a script, nothing else runs
        saved = np.load(cache, allow_pickle=False)
        playlists = saved["playlists"].tolist()
        values = {(s, m.label): saved[f"{s}|{m.label}"] for s in strategies for m in modes}
    else:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="segue-cv-") as tmp:
            async with await build_store(data, Path(tmp)) as store:
                outcomes = await evaluate(store, data, modes, strategies, rules=rules)
        print(f"{len(strategies)} candidates x {len(modes)} modes in "
              f"{time.perf_counter() - started:.0f} s\n")  # fmt: skip
        values = {(o.strategy, o.mode): o.values for o in outcomes}
        playlists = outcomes[0].playlists
        assert all(o.playlists == playlists for o in outcomes), "every candidate, same playlists"
        if cache is not None:
            arrays = {f"{s}|{m}": v for (s, m), v in values.items()}
            np.savez(cache, playlists=np.array(playlists), **arrays)
    column = {m: j for j, m in enumerate((*METRICS, *RATES))}
    labels = [m.label for m in modes]
    names = list(candidates())
    result = cross_validate(
        values, playlists, names, labels, baseline=BASELINE, folds=folds, column=column
    )
    print(result.markdown())
    everything, order = result.everything, result.order
    ids = [playlists[i] for i in order]
    cv = [Outcome(m, "cross-validated", ids, result.chosen[m]) for m in labels]
    # For comparison: the best by the objective in each fold, no preference for the simpler.
    cv += [Outcome(m, "cross-validated, best", ids, result.best[m]) for m in labels]
    base = [Outcome(m, BASELINE, ids, values[(BASELINE, m)][order]) for m in labels]
    fixed = [
        Outcome(m, name, ids, values[(name, m)][order])
        for m in labels
        for name in dict.fromkeys(("blend q=8 pool=100 k=60", everything.chosen))
    ]
    print()
    print(markdown_tables(summarize(base + cv + fixed), baseline=BASELINE))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.crossval", description=__doc__)
    parser.add_argument("--folds", type=int, default=5, help="k (default 5)")
    parser.add_argument("--data", type=Path, default=DATA, help="the evaluation set's folder")
    parser.add_argument(
        "--cache",
        type=Path,
        metavar="FILE.npz",
        help="keep every candidate's per-playlist figures here, and reuse them if present",
    )
    args = parser.parse_args()
    asyncio.run(run(args.folds, args.data, args.cache))


if __name__ == "__main__":
    main()
