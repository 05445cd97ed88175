from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.table import Table

from segue.engine import Ranking
from segue.ingest import SyntheticCatalog, synthetic_catalog
from segue.recommender import recommend
from segue.vectors import LocalVectorStore, open_store

from ._common import DataDirOption, err_console, progress_bar, run, settings_from

__all__ = ["demo"]

_DEMO_TRACKS = 5_000
_PLAYLIST_SIZES = (1, 4, 25)


def demo(data_dir: DataDirOption = None) -> None:
    """Build a generated demo catalog (once) and show recommendations for three playlists.

    The catalog is clearly synthetic: 5,000 tracks by 300 artists in 15 styles, with
    embeddings clustered by style and artist, so a good recommendation shares the style.
    """
    settings = settings_from(data_dir)
    catalog = synthetic_catalog(_DEMO_TRACKS)

    async def _go() -> list[tuple[np.ndarray, Ranking]]:
        store = open_store(settings)
        try:
            if await store.count() != catalog.ids.size:
                with progress_bar() as bar:
                    task = bar.add_task("building the demo index", total=catalog.ids.size)
                    assert isinstance(store, LocalVectorStore)
                    await store.upsert(
                        catalog.ids, catalog.vectors, on_progress=lambda n: bar.advance(task, n)
                    )
            rng = np.random.default_rng(7)
            out = []
            for size in _PLAYLIST_SIZES:
                style = int(rng.integers(catalog.style.max() + 1))
                members = catalog.ids[catalog.style == style]
                playlist = rng.choice(members, size=min(size, members.size), replace=False)
                out.append((playlist, await recommend(store, playlist, limit=5)))
            return out
        finally:
            await store.aclose()

    results = run(_go())
    err_console.print(f"demo catalog (generated, not real music) in {settings.data_dir}")
    console = Console()
    for playlist, ranking in results:
        _show(console, catalog, playlist, ranking)


def _show(
    console: Console, catalog: SyntheticCatalog, playlist: np.ndarray, ranking: Ranking
) -> None:
    style = int(catalog.style[playlist[0] - 1])
    table = Table(
        "rank",
        "track",
        "style",
        "artist",
        "distance",
        title=f"playlist of {playlist.size} track(s) in style {style}",
    )
    for rank, (tid, dist) in enumerate(zip(ranking.ids, ranking.distances, strict=True), 1):
        row = int(tid) - 1
        same = "same" if int(catalog.style[row]) == style else "other"
        table.add_row(
            str(rank),
            str(int(tid)),
            f"{catalog.style[row]} ({same})",
            str(catalog.artist[row]),
            f"{dist:.3f}",
        )
    console.print(table)
