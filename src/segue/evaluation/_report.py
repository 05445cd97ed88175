"""The evaluation report: Markdown tables and a plot with confidence intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from segue.errors import InvalidInput

from ._metrics import METRICS
from ._runner import RATES, SIGNAL_RATES

__all__ = ["markdown_tables", "plot_rows"]


def _cell(row: dict[str, Any], metric: str) -> str:
    if row.get(metric) is None:
        return "-"
    low, high = row[f"{metric}_ci"]
    return f"{row[metric]:.4f} [{low:.4f}, {high:.4f}]"


def _vs_cell(row: dict[str, Any], base: dict[str, Any], metric: str) -> str:
    if row.get(f"{metric}_delta") is None:
        return "-"
    low, high = row[f"{metric}_delta_ci"]
    delta = f"{row[f'{metric}_delta']:+.4f} [{low:+.4f}, {high:+.4f}]"
    if not base.get(metric):
        return delta  # no ratio to a zero
    return f"{row[metric] / base[metric]:.2f}x ({delta})"


def markdown_tables(
    rows: Sequence[dict[str, Any]], *, baseline: str, pairs: Mapping[str, str] | None = None
) -> str:
    """The summary rows as Markdown: every (mode, strategy) with its CIs, then each
    strategy against ``baseline`` (or ``pairs[strategy]``): the ratio of means, and the
    paired difference with its CI.
    """
    rates = (*RATES, *SIGNAL_RATES)
    columns = (*METRICS, *(r for r in rates if any(row.get(r) is not None for row in rows)))
    signal = any(row.get(SIGNAL_RATES[0]) is not None for row in rows)
    # With a co-occurrence corpus, catalog coverage: distinct tracks in all the top 10s.
    extra = ("coverage@10",) if signal else ()
    head = "| mode | strategy | playlists | " + " | ".join((*columns, *extra)) + " |"
    rule = "|---|---|---:|" + "---:|" * (len(columns) + len(extra))
    lines = [head, rule]
    for row in rows:
        cells = " | ".join([_cell(row, m) for m in columns] + [str(row.get(e)) for e in extra])
        lines.append(f"| {row['mode']} | {row['strategy']} | {row['playlists']} | {cells} |")
    by_key = {(r["mode"], r["strategy"]): r for r in rows}
    ref_of = dict(pairs) if pairs is not None else {r["strategy"]: baseline for r in rows}
    others = [
        r
        for r in rows
        if ref_of.get(r["strategy"], r["strategy"]) != r["strategy"]
        and (r["mode"], ref_of[r["strategy"]]) in by_key
    ]
    if others:
        against = baseline if pairs is None else "reference"
        lines += [
            "",
            "| mode | strategy | " + " | ".join(f"{m} vs {against}" for m in columns) + " |",
            "|---|---|" + "---:|" * len(columns),
        ]
        for row in others:
            base = by_key[(row["mode"], ref_of[row["strategy"]])]
            cells = " | ".join(_vs_cell(row, base, m) for m in columns)
            lines.append(f"| {row['mode']} | {row['strategy']} | {cells} |")
    return "\n".join(lines) + "\n"


def plot_rows(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """A PNG with one panel per metric: bars by mode and strategy, 95% CIs as error bars.

    Needs matplotlib (the ``plot`` extra).
    """
    try:
        # Optional: imported only when a plot is asked for.
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InvalidInput(
            "plotting needs matplotlib: uv sync --extra plot (or pip install 'segue[plot]')"
        ) from None
    modes = list(dict.fromkeys(r["mode"] for r in rows))
    strategies = list(dict.fromkeys(r["strategy"] for r in rows))
    by_key = {(r["mode"], r["strategy"]): r for r in rows}
    cols = 3
    rows_n = -(-(len(METRICS) + 1) // cols)  # one spare panel holds the legend
    fig, grid = plt.subplots(rows_n, cols, figsize=(4.6 * cols, 3.6 * rows_n), squeeze=False)
    axes = grid.ravel()
    width = 0.8 / len(strategies)
    for ax, metric in zip(axes, METRICS, strict=False):
        for j, strategy in enumerate(strategies):
            xs: list[float] = []
            means: list[float] = []
            errs: tuple[list[float], list[float]] = ([], [])
            for i, mode in enumerate(modes):
                row = by_key.get((mode, strategy))
                if row is None or row.get(metric) is None:
                    continue
                low, high = row[f"{metric}_ci"]
                xs.append(i + (j - (len(strategies) - 1) / 2) * width)
                means.append(row[metric])
                errs[0].append(row[metric] - low)
                errs[1].append(high - row[metric])
            ax.bar(xs, means, width, yerr=errs, capsize=2, label=strategy)
        ax.set_title(metric)
        ax.set_xticks(range(len(modes)), modes)
        ax.set_xlabel("mode")
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    for spare in axes[len(METRICS) :]:
        spare.axis("off")
    axes[len(METRICS)].legend(handles, labels, title="strategy", loc="center")
    fig.suptitle("Mean over playlists, with 95% bootstrap CIs")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
