"""`python -m bench.together [--folds K] [--corpus FILE.jsonl ...] [--grid weights|signal]`:
the constants of `together`, chosen by k-fold cross-validation on the development
playlists (docs/evaluation.md, "Issue 25"), and the figures against adaptive and blend.
`--grid weights` (the first round): the co-occurrence weight and playlist-length exponent;
`--grid signal` (the second): popularity damping and spread seeds (:func:`candidates`).

As `bench.crossval`: every candidate runs once on every playlist and mode with the
service's rules on; each playlist's corpus is the other development playlists (plus
`--corpus`). Candidates, simplest first: `blend` (no co-occurrence), then `together`'s
variants. For each fold the choice
is made on the other folds (segue.evaluation.cross_validate: no loss to adaptive at n=1,
3, 5; the simplest that the best does not beat beyond the paired interval).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from segue.engine import CooccurrenceSample, Strategy, Together, get_strategy
from segue.evaluation import (
    BASELINE,
    DEFAULT_MODES,
    Outcome,
    Rules,
    build_corpus,
    build_store,
    cross_validate,
    evaluate,
    load_eval_data,
    markdown_tables,
    parse_mode,
    read_corpus,
    read_tracks,
    summarize,
)

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "eval" / "spotify-playlists"
WEIGHTS = (0.5, 1.0, 2.0)
EXPONENTS = (0.5, 0.0, 1.0)


POPULARITY = (0.25, 0.5)
SPREAD_SEEDS = 25


def candidates(grid: str = "weights") -> dict[str, Strategy]:
    """``blend`` first (the simplest: no catalog read), then ``together``'s variants.

    ``weights`` (the first round): each weight, lower first, and playlist-length exponent.
    ``signal`` (the second round, from the first round's constants: w=2, e=0, undamped):
    popular tracks damped (each :data:`POPULARITY` exponent), then :data:`SPREAD_SEEDS`
    seeds spread over the playlist, undamped and damped at the largest exponent.
    """
    out: dict[str, Strategy] = {"blend": get_strategy("blend")}
    if grid == "weights":
        for e in EXPONENTS:
            for w in WEIGHTS:
                sample = CooccurrenceSample(length_exponent=e, popularity_exponent=0.0)
                out[f"together w={w} e={e}"] = Together(cooccurrence_weight=w, cooccurrence=sample)
        return out
    undamped = CooccurrenceSample(popularity_exponent=0.0)
    out["together a=0"] = Together(cooccurrence=undamped)
    for a in POPULARITY:
        out[f"together a={a}"] = Together(cooccurrence=CooccurrenceSample(popularity_exponent=a))
    spread = CooccurrenceSample(max_seeds=SPREAD_SEEDS, spread_seeds=True)
    out[f"together s={SPREAD_SEEDS}"] = Together(
        cooccurrence=replace(spread, popularity_exponent=0.0)
    )
    a = POPULARITY[-1]
    out[f"together s={SPREAD_SEEDS} a={a}"] = Together(
        cooccurrence=replace(spread, popularity_exponent=a)
    )
    return out


async def run(folds: int, data_dir: Path, corpus_files: list[Path], grid: str) -> None:
    data = load_eval_data(
        data_dir / "vectors.npy", data_dir / "track_ids.txt", data_dir / "playlists.dev.jsonl"
    )
    extra = [read_corpus(path, data) for path in corpus_files]
    corpus = build_corpus(data.playlists, *extra, n_tracks=len(data.track_ids))
    rules = Rules(meta=read_tracks(data_dir / "tracks.csv", data.track_ids))
    modes = [parse_mode(m) for m in DEFAULT_MODES]
    strategies = {BASELINE: get_strategy(BASELINE), **candidates(grid)}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="segue-together-") as tmp:
        async with await build_store(data, Path(tmp)) as store:
            outcomes = await evaluate(store, data, modes, strategies, rules=rules, corpus=corpus)
    print(f"{len(strategies)} candidates x {len(modes)} modes in "
          f"{time.perf_counter() - started:.0f} s; corpus {len(corpus)} playlists\n")  # fmt: skip
    values = {(o.strategy, o.mode): o.values for o in outcomes}
    playlists = outcomes[0].playlists
    assert all(o.playlists == playlists for o in outcomes), "every candidate, same playlists"
    columns = outcomes[0].columns
    column = {m: j for j, m in enumerate(columns)}
    labels = [m.label for m in modes]
    names = list(candidates(grid))
    result = cross_validate(
        values, playlists, names, labels, baseline=BASELINE, folds=folds, column=column
    )
    print(result.markdown())
    everything, order = result.everything, result.order
    print("\nobjective of every candidate on all playlists:")
    for name, score in everything.scores.items():
        print(f"  {name}: {score:.3f}")
    ids = [playlists[i] for i in order]

    def outcome(label: str, mode: str, rows: np.ndarray[Any, Any]) -> Outcome:
        return Outcome(mode, label, ids, rows, columns)

    cv = [outcome("cross-validated", m, result.chosen[m]) for m in labels]
    fixed = [
        outcome(name, m, values[(name, m)][order])
        for m in labels
        for name in dict.fromkeys((BASELINE, "blend", everything.chosen))
    ]
    coverage = {(o.strategy, o.mode): o.coverage for o in outcomes}
    for against in (BASELINE, "blend"):
        print(f"\n### against {against}\n")
        rows = summarize(fixed + cv, baseline=against)
        for row in rows:
            row["coverage@10"] = coverage.get((row["strategy"], row["mode"]))
        print(markdown_tables(rows, baseline=against))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.together", description=__doc__)
    parser.add_argument("--folds", type=int, default=5, help="k (default 5)")
    parser.add_argument("--data", type=Path, default=DATA, help="the evaluation set's folder")
    parser.add_argument(
        "--corpus", type=Path, action="append", default=[], help="more playlists (repeatable)"
    )
    parser.add_argument(
        "--grid", choices=("weights", "signal"), default="weights", help="the candidates"
    )
    args = parser.parse_args()
    asyncio.run(run(args.folds, args.data, args.corpus, args.grid))


if __name__ == "__main__":
    main()
