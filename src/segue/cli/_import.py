from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segue.ingest import read_npy_with_ids
from segue.vectors import LocalVectorStore, open_store

from ._common import DataDirOption, err_console, exit_on_error, progress_bar, run, settings_from

__all__ = ["app"]

app = typer.Typer(
    help="Import tracks, vectors and playlists (validated, all or nothing).", no_args_is_help=True
)


@app.command("vectors")
def vectors(
    vectors_file: Annotated[
        Path,
        typer.Argument(
            metavar="VECTORS.npy",
            help="float32 array, one row per track.",
            exists=True,
            dir_okay=False,
        ),
    ],
    ids: Annotated[
        Path,
        typer.Option(
            "--ids",
            metavar="IDS.txt",
            help="One integer track id per line, in row order.",
            exists=True,
            dir_okay=False,
        ),
    ],
    data_dir: DataDirOption = None,
) -> None:
    """Import embeddings into the vector store; existing ids are replaced.

    Every row and id is validated before anything is written, and the index file is
    replaced atomically, so a failed import leaves the store as it was.
    """
    settings = settings_from(data_dir)
    with exit_on_error():
        data = read_npy_with_ids(vectors_file, ids)

    async def _go() -> int:
        store = open_store(settings)
        try:
            with progress_bar() as bar:
                task = bar.add_task("importing vectors", total=data.ids.size)
                if isinstance(store, LocalVectorStore):
                    await store.upsert(
                        data.ids, data.vectors, on_progress=lambda n: bar.advance(task, n)
                    )
                else:
                    await store.upsert(data.ids, data.vectors)
                    bar.advance(task, data.ids.size)
            return await store.count()
        finally:
            await store.aclose()

    total = run(_go())
    err_console.print(
        f"imported {data.ids.size:,} vectors of dimension {data.vectors.shape[1]}; "
        f"the store now holds {total:,}"
    )
