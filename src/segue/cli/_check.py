"""``segue check``: do the vector store and the catalog agree (damage vs pending)?"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from segue.catalog import FailedEmbedding, Steps, embedding_counts, failed_embeddings
from segue.consistency import ConsistencyReport, check_consistency
from segue.follow import follow_gap
from segue.settings import Settings, VectorBackend
from segue.vectors import open_store

from ._common import err_console, open_catalog, run, settings_from
from ._options import DataDirOption
from ._progress import progress_bar, progress_steps

__all__ = ["check"]

_SHOWN = 20  # ids listed per difference; the count is always complete


def check(
    dimension: Annotated[
        int | None,
        typer.Option("--dimension", min=1, help="Fail unless the vectors have this dimension."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
    failed: Annotated[
        bool,
        typer.Option(
            "--failed",
            help="List every track whose audio could not be embedded, with the reason.",
        ),
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Check that the vector store and the catalog agree.

    Damage, exit code 1: vectors without a track, vectors that are not
    finite or are all zeros, a dimension other than --dimension, and
    tracks with no vector at all in the store (the wrong data dir or
    backend, or vectors never imported).

    Pending, exit code 0: some tracks without a vector yet (imported
    before they were embedded), a normal state reported apart from damage.

    A gap `segue follow` recorded (a window of the network no Jetstream host
    replayed), exit code 1 too: "backfill needed", until `segue follow
    backfill` fills it (--json: follow_gap).

    Embeddings: tracks with an audio source by state (pending, done,
    failed); --failed lists the failed ones with their reasons.

    Exit code 2 on error.
    """
    settings = settings_from(data_dir)
    if settings.vector_backend is VectorBackend.DISABLED:
        err_console().print("[red]error:[/red] the vector backend is disabled: nothing to check")
        raise typer.Exit(2)
    with progress_bar(settings.progress_seconds) as bar:
        report, embeddings, failures, gap = run(
            _check(settings, dimension, failed=failed, steps=progress_steps(bar))
        )
    if as_json:
        body = _as_dict(report)
        body["embeddings"] = embeddings
        if failed:
            body["failed_embeddings"] = [
                {"id": f.track_id, "source": f.source, "attempts": f.attempts, "reason": f.reason}
                for f in failures
            ]
        after, before = gap if gap is not None else (None, None)
        body["follow_gap"] = None if gap is None else {"after_us": after, "before_us": before}
        typer.echo(json.dumps(body))
    else:
        _print(
            report,
            _leftovers(settings),
            embeddings,
            failures if failed else None,
            where=_where(settings),
        )
        if gap is not None:
            typer.echo(
                f"backfill needed: no Jetstream host replayed the events between "
                f"{_iso(gap[0])} and {_iso(gap[1])}: run `segue follow backfill`"
            )
    # A gap is records missing from the catalog until a backfill: as much to repair as
    # damage, and a monitor watching the exit code must see it.
    if not report.consistent or gap is not None:
        raise typer.Exit(1)


async def _check(
    settings: Settings, dimension: int | None, *, failed: bool, steps: Steps
) -> tuple[ConsistencyReport, dict[str, int], list[FailedEmbedding], tuple[int, int] | None]:
    async with open_catalog(settings) as database, open_store(settings) as store:
        report = await check_consistency(database, store, expected_dimension=dimension, steps=steps)
        counts = await embedding_counts(database)
        failures = await failed_embeddings(database) if failed else []
        gap = await follow_gap(database)
    return report, counts, failures, gap


def _iso(time_us: int) -> str:
    return datetime.fromtimestamp(time_us / 1e6, UTC).isoformat(timespec="seconds")


def _print_embeddings(counts: dict[str, int], failures: list[FailedEmbedding] | None) -> None:
    out = typer.echo
    out(
        f"embeddings: {counts['pending']:,} pending, {counts['done']:,} done, "
        f"{counts['failed']:,} failed"
        + ("" if failures is not None or not counts["failed"] else " (--failed lists them)")
    )
    for f in failures or []:
        out(f"failed: track {f.track_id} after {f.attempts} attempt(s): {f.reason} [{f.source}]")


def _leftovers(settings: Settings) -> list[Path]:
    """Temporary files of local index writes that were killed before renaming them, and
    generation directories of a compact index that its link does not name."""
    if settings.vector_backend is not VectorBackend.LOCAL:
        return []
    path = settings.index_path
    if not path.parent.is_dir():
        return []
    live = Path(os.path.realpath(path)).parent if path.is_symlink() else None
    orphans = [d for d in path.parent.glob(f"{path.name}.*.d") if d != live]
    return sorted([*path.parent.glob(f"{path.name}.*.tmp"), *orphans])


def _as_dict(report: ConsistencyReport) -> dict[str, object]:
    return {
        "consistent": report.consistent,
        "damaged": report.damaged,
        "pending": report.pending,
        "tracks": report.tracks,
        "vectors": report.vectors,
        "dimension": report.dimension,
        "expected_dimension": report.expected_dimension,
        "tracks_without_vectors": report.tracks_without_vectors,
        "vectors_without_tracks": report.vectors_without_tracks,
        "invalid_vectors": report.invalid_vectors,
        "vectors_of_deleted_tracks": report.vectors_of_deleted_tracks,
        "no_vectors_at_all": report.no_vectors_at_all,
    }


def _ids(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:_SHOWN])
    return shown + (f", ... ({len(ids) - _SHOWN} more)" if len(ids) > _SHOWN else "")


def _where(settings: Settings) -> str:
    """The store this check read, as an operator would compare it with the import's."""
    if settings.vector_backend is VectorBackend.LOCAL:
        return str(settings.index_path.resolve())
    return f"turbopuffer namespace {settings.turbopuffer_namespace}"


def _print(
    report: ConsistencyReport,
    leftovers: list[Path],
    embeddings: dict[str, int],
    failures: list[FailedEmbedding] | None,
    *,
    where: str,
) -> None:
    out = typer.echo
    out(f"catalog: {report.tracks:,} tracks (not deleted)")
    out(f"vectors: {report.vectors:,}, dimension {report.dimension or '-'}")
    if report.tracks_without_vectors:
        ids = report.tracks_without_vectors
        out(f"pending: tracks without vectors yet: {len(ids):,}: {_ids(ids)}")
    if report.no_vectors_at_all:
        out(
            f"DAMAGE: the store holds no vectors at all and the catalog {report.tracks:,} tracks: "
            f"read {where}: another data dir or SEGUE_VECTOR_BACKEND than the import's?"
        )
    if report.dimension_mismatch:
        out(f"DAMAGE: dimension expected {report.expected_dimension}, found {report.dimension}")
    for label, ids in (
        ("vectors without tracks", report.vectors_without_tracks),
        ("invalid vectors (not finite, or zero)", report.invalid_vectors),
    ):
        if ids:
            out(f"DAMAGE: {label}: {len(ids):,}: {_ids(ids)}")
    if report.vectors_of_deleted_tracks:
        out(f"note: {report.vectors_of_deleted_tracks:,} vectors of deleted tracks (never shown)")
    for path in leftovers:
        out(f"note: {path} is left over from an interrupted write; it may be deleted")
    _print_embeddings(embeddings, failures)
    if report.damaged:
        out("INCONSISTENT")
    elif report.pending:
        out(f"consistent ({report.pending:,} tracks pending: no vector yet)")
    else:
        out("consistent")
