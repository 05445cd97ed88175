"""Getting tracks, vectors and playlists into Segue, and the generated demo catalog.

Each import reads and validates a whole file first (every problem reported with its line
or row, nothing written if there is one), then writes it in one database transaction or
one atomic index replacement. Importing the same file twice leaves the same state.

    >>> batch = read_tracks(Path("tracks.jsonl"))  # doctest: +SKIP
    >>> await import_tracks(database, batch)  # doctest: +SKIP
    >>> await import_vectors(store, read_vectors(Path("vectors.parquet")))  # doctest: +SKIP
    >>> info = await build_demo(Settings())  # doctest: +SKIP
"""

from segue.catalog import Advance, Steps, no_progress

from ._demo import (
    DEMO_TOKEN_LIFETIME,
    DEMO_VERSION,
    DemoInfo,
    DemoPlaylist,
    build_demo,
    demo_settings,
)
from ._playlists import (
    PlaylistImport,
    PlaylistsResult,
    import_playlists,
    parse_playlists,
    read_playlists,
)
from ._problems import MAX_REPORTED, Problems
from ._rows import Row, parse_csv, parse_jsonl
from ._synthetic import SyntheticCatalog, synthetic_catalog
from ._tracks import TrackBatch, TracksResult, import_tracks, parse_tracks, read_tracks
from ._vectors import VectorsResult, import_vectors, resolve_uris
from ._vectors_file import VectorFile, VectorFormat, read_npy_with_ids, read_vectors

__all__ = [
    "DEMO_TOKEN_LIFETIME",
    "DEMO_VERSION",
    "MAX_REPORTED",
    "Advance",
    "DemoInfo",
    "DemoPlaylist",
    "PlaylistImport",
    "PlaylistsResult",
    "Problems",
    "Row",
    "Steps",
    "SyntheticCatalog",
    "TrackBatch",
    "TracksResult",
    "VectorFile",
    "VectorFormat",
    "VectorsResult",
    "build_demo",
    "demo_settings",
    "import_playlists",
    "import_tracks",
    "import_vectors",
    "no_progress",
    "parse_csv",
    "parse_jsonl",
    "parse_playlists",
    "parse_tracks",
    "read_npy_with_ids",
    "read_playlists",
    "read_tracks",
    "read_vectors",
    "resolve_uris",
    "synthetic_catalog",
]
