"""``segue eval``: score strategies on real playlists (docs/evaluation.md)."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from segue.engine import (
    DEFAULT_NEAR_DUPLICATE_DISTANCE,
    DEFAULT_STRATEGY,
    STRATEGIES,
    Strategy,
    get_strategy,
)
from segue.errors import InvalidInput
from segue.evaluation import (
    BASELINE,
    DEFAULT_MODES,
    DISMISSED,
    METRICS,
    POPULAR_SHARE,
    RATES,
    SIGNAL_RATES,
    Rules,
    build_corpus,
    build_store,
    count_requests,
    evaluate,
    feedback_pairs,
    load_eval_data,
    markdown_tables,
    parse_mode,
    plot_rows,
    read_artists,
    read_corpus,
    read_tracks,
    summarize,
)

from ._common import err_console, exit_on_error, out_console, run
from ._options import option_no_default
from ._progress import progress_bar

__all__ = ["eval_command"]

_FILE = {"exists": True, "dir_okay": False, "readable": True}


def _strategies(names: list[str] | None, baseline: str = BASELINE) -> dict[str, Strategy]:
    if not names:
        chosen = [baseline, DEFAULT_STRATEGY]
    elif "all" in names:
        chosen = list(STRATEGIES)
    else:
        chosen = names
    unknown = [n for n in chosen if n not in STRATEGIES]
    if unknown:
        raise InvalidInput(f"unknown strategy {unknown[0]!r}; known: {', '.join(STRATEGIES)}")
    return {name: get_strategy(name) for name in dict.fromkeys(chosen)}


def eval_command(
    vectors: Annotated[
        Path, typer.Option("--vectors", metavar="VECTORS.npy", help="One row per track.", **_FILE)
    ],
    ids: Annotated[
        Path,
        typer.Option(
            "--ids", metavar="IDS.txt", help="String track ids in row order, one a line.", **_FILE
        ),
    ],
    playlists: Annotated[
        Path,
        typer.Option(
            "--playlists",
            metavar="PLAYLISTS.jsonl",
            help="JSON lines: a playlist's id and its tracks (a list of track ids).",
            **_FILE,
        ),
    ],
    corpus: Annotated[
        list[Path] | None,
        option_no_default(
            "--corpus",
            metavar="PLAYLISTS.jsonl",
            help="More playlists (repeatable, same format) whose co-occurrences strategies "
            "such as together may use; the evaluated playlists always count, each leaving "
            "itself out.",
            **_FILE,
        ),
    ] = None,
    modes: Annotated[
        list[str] | None,
        option_no_default(
            "--mode",
            help=f"n=K or P% (repeatable; default {' '.join(DEFAULT_MODES)}).",
        ),
    ] = None,
    strategies: Annotated[
        list[str] | None,
        option_no_default(
            "--strategy",
            help=f"Repeatable: {', '.join(STRATEGIES)}, or all "
            f"(default: {BASELINE} and {DEFAULT_STRATEGY}).",
        ),
    ] = None,
    baseline: Annotated[
        str,
        typer.Option(
            "--baseline",
            help="The strategy the others are compared with (paired differences), when "
            "it runs: e.g. --baseline blend --strategy blend --strategy together.",
        ),
    ] = BASELINE,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per (mode, strategy), one a line.")
    ] = False,
    n_resamples: Annotated[
        int, typer.Option("--bootstrap", min=1, help="Bootstrap resamples for the 95% CIs.")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    artists: Annotated[
        Path | None,
        typer.Option(
            "--artists",
            metavar="TRACKS.csv",
            help="CSV with track_id and track_artist columns (for --artist-cap).",
            **_FILE,
        ),
    ] = None,
    artist_cap: Annotated[
        int | None,
        typer.Option("--artist-cap", min=1, help="At most this many tracks per artist."),
    ] = None,
    tracks: Annotated[
        Path | None,
        typer.Option(
            "--tracks",
            metavar="TRACKS.csv",
            help="CSV with track_id, track_name and track_artist columns: turns on the "
            "title-duplicate and artist-variety rules, and reports dup@10 and repeat@10.",
            **_FILE,
        ),
    ] = None,
    apply_rules: Annotated[
        bool,
        typer.Option(
            "--rules/--no-rules",
            help="With --tracks: apply the title-duplicate and artist-variety rules, or "
            "only measure dup@10 and repeat@10 without them.",
        ),
    ] = True,
    max_per_artist: Annotated[
        int,
        typer.Option(
            "--max-per-artist",
            min=0,
            help="Artist variety with --tracks: at most this many tracks of one artist in "
            "the first 3, twice this in the first 10; 0 turns it off.",
        ),
    ] = 1,
    near_duplicate_distance: Annotated[
        float,
        typer.Option(
            "--near-duplicate-distance",
            min=0.0,
            help="Drop suggestions closer than this cosine distance to a seed; 0 turns it off.",
        ),
    ] = DEFAULT_NEAR_DUPLICATE_DISTANCE,
    feedback: Annotated[
        bool,
        typer.Option(
            "--feedback",
            help=f"Dismiss the first answer's top {DISMISSED} non-hidden tracks, ask again, "
            "and score that answer with them merely excluded and as negatives "
            "(the latter compared with the former).",
        ),
    ] = False,
    as_markdown: Annotated[
        bool, typer.Option("--markdown", help="Markdown tables, with CIs and vs the baseline.")
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            metavar="PATH.png",
            help="Also draw each metric by mode and strategy (needs the plot extra).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Score recommendation strategies on real playlists (see docs/evaluation.md).

    The real engine (segue.recommendations.recommend) on a temporary local store of VECTORS.npy,
    searched exactly.

    HR@10, R@10, nDCG@10, HR@50 and R@50, averaged over playlists, with 95% bootstrap CIs;
    with --tracks, the rules the service applies (no title duplicates, artist variety) and
    the rates of duplicates and artist repeats in the top 10 (dup@10, repeat@10).
    Near-identical vectors are dropped unless --near-duplicate-distance 0.

    What the co-occurrence signal costs, per top 10: pop@10, the share among the corpus's
    1% most-playlisted tracks; cold@10, the share no other playlist holds; and
    coverage@10, the distinct tracks over all playlists (--json, --markdown).
    """
    with exit_on_error():
        mode_list = [parse_mode(m) for m in (modes or DEFAULT_MODES)]
        chosen = _strategies(strategies, baseline)
        if artist_cap is not None and artists is None:
            raise InvalidInput("--artist-cap needs --artists TRACKS.csv")
        data = load_eval_data(vectors, ids, playlists)
        artist_rows = read_artists(artists, data.track_ids) if artists is not None else None
        meta = read_tracks(tracks, data.track_ids) if tracks is not None else None
        rules = Rules(
            near_duplicate_distance=near_duplicate_distance,
            max_per_artist=max_per_artist,
            meta=meta,
            apply_names=apply_rules,
        )
        pairs = feedback_pairs(list(chosen)) if feedback else None
        extra = [read_corpus(path, data) for path in corpus or ()]
        playlists_corpus = build_corpus(data.playlists, *extra, n_tracks=len(data.track_ids))
    if data.unknown_tracks:
        err_console().print(f"{data.unknown_tracks} playlist entries are not in the catalog")

    async def _go() -> list[dict[str, Any]]:
        with tempfile.TemporaryDirectory(prefix="segue-eval-") as tmp:
            started = time.perf_counter()
            async with await build_store(data, Path(tmp)) as store:
                with progress_bar() as bar:
                    total = count_requests(data, mode_list, len(chosen))
                    task = bar.add_task("evaluating", total=total)
                    outcomes = await evaluate(
                        store,
                        data,
                        mode_list,
                        chosen,
                        rules=rules,
                        artists=artist_rows,
                        artist_cap=artist_cap,
                        feedback=feedback,
                        corpus=playlists_corpus,
                        on_request=lambda: bar.advance(task),
                    )
            rows = summarize(
                outcomes, n_resamples=n_resamples, seed=seed, baseline=baseline, pairs=pairs
            )
            err_console().print(
                f"{total:,} recommendations in {time.perf_counter() - started:.1f} s "
                f"(catalog of {len(data.track_ids):,}, {len(data.playlists)} playlists, "
                f"co-occurrences from {len(playlists_corpus):,})"
            )
            return rows

    rows = run(_go())
    for row in rows:
        row["artist_cap"] = artist_cap
        row["max_per_artist"] = max_per_artist if tracks is not None and apply_rules else None
        row["near_duplicate_distance"] = near_duplicate_distance
    if plot is not None:
        with exit_on_error():
            plot_rows(rows, plot)
        err_console().print(f"plot written to {plot}")
    if as_markdown:
        typer.echo(markdown_tables(rows, baseline=baseline, pairs=pairs), nl=False)
        return
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    _print_table(rows)


def _short(x: float) -> str:
    return f"{x:.3f}".removeprefix("0")


def _print_table(rows: list[dict[str, Any]]) -> None:
    # Compact, so that each table fits 80 columns: CIs as ".143-.244" under each mean; the
    # rates, when measured, in a second table of their own.
    rates = tuple(r for r in (*RATES, *SIGNAL_RATES) if any(row.get(r) is not None for row in rows))
    _print_columns(rows, METRICS, "mean, and 95% CI below; n = playlists")
    if rates:
        _print_columns(
            rows,
            rates,
            "rates in the top 10: duplicates of a seed, artist repeats, "
            f"in the top {POPULAR_SHARE:.0%} by playlists, in no other playlist",
        )


def _print_columns(rows: list[dict[str, Any]], columns: tuple[str, ...], title: str) -> None:
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
    )
    for column in ("mode", "strategy", "n", *columns):
        table.add_column(column, no_wrap=True)
    for row in rows:
        cells = [
            "-"
            if row.get(m) is None
            else f"{row[m]:.3f}\n{_short(row[m + '_ci'][0])}-{_short(row[m + '_ci'][1])}"
            for m in columns
        ]
        table.add_row(row["mode"], row["strategy"], str(row["playlists"]), *cells)
    out_console().print(table)
